import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

/** Options of `createAwsTransport`. Every field is optional; see each `@default`. */
export interface AwsTransportOptions {
  /** AWS region. @default the SDK's default chain (`AWS_REGION`, profile…) */
  region?: string;
  /**
   * Endpoint for every client, for emulators (`http://127.0.0.1:4566`). When it is a loopback
   * address and no credentials are configured, dummy credentials are used: emulators accept any.
   */
  endpoint?: string;
  /**
   * Per-service endpoints, overriding `endpoint` for that service: e.g. SQS and SNS on fauxqs and
   * EventBridge on another emulator.
   */
  endpoints?: { sqs?: string; sns?: string; eventBridge?: string };
  /** Static credentials or a provider. @default the SDK's default provider chain */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | (() => Promise<{
        accessKeyId: string;
        secretAccessKey: string;
        sessionToken?: string;
      }>);
  /** Ready-made SDK v3 clients; each one given replaces the one built from region/endpoint. */
  clients?: { sqs?: SQSClient; sns?: SNSClient; eventBridge?: EventBridgeClient };
  /** Prepended to every queue, topic and rule name, e.g. `'prod-'`. @default '' */
  namePrefix?: string;
  /** The EventBridge bus events are emitted onto and rules live on. @default 'default' */
  eventBusName?: string;
  /** `'auto'` creates what is used; `'never'` fails naming what is missing. @default 'auto' */
  provision?: 'auto' | 'never';
  /**
   * Long-poll wait of each ReceiveMessage, 0–20 s. A consumer's `stop()` waits for open polls to
   * return (aborting one could lose the messages it was about to hand over for a visibility
   * timeout), so this bounds how long stopping takes. @default 5
   */
  receiveWaitSeconds?: number;
  /**
   * Visibility timeout asked for on receive, 1–43200 s. A handler running longer has its message's
   * visibility extended by a heartbeat every third of this. @default 30
   */
  visibilityTimeoutSeconds?: number;
}

/** Options after validation, with defaults applied. */
export interface ResolvedAwsOptions {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly endpoints: { readonly sqs?: string; readonly sns?: string; readonly eventBridge?: string };
  readonly credentials: AwsTransportOptions['credentials'];
  readonly clients: NonNullable<AwsTransportOptions['clients']>;
  readonly namePrefix: string;
  readonly eventBusName: string;
  readonly provision: 'auto' | 'never';
  readonly receiveWaitSeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

const transport = 'aws';

/** Validates every option at once and throws one `ConfigurationError` listing all problems. */
export function resolveAwsOptions(options: AwsTransportOptions = {}): ResolvedAwsOptions {
  const problems: string[] = [];
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createAwsTransport needs an options object.', { transport });
  }
  const optionalString = (field: keyof AwsTransportOptions) => {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      problems.push(`'${field}' must be a non-empty string`);
    }
  };
  optionalString('region');
  optionalString('endpoint');
  optionalString('eventBusName');
  const checkEndpoint = (field: string, value: unknown) => {
    if (value === undefined) return;
    if (typeof value !== 'string') {
      problems.push(`'${field}' must be a URL string`);
      return;
    }
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        problems.push(`'${field}' must be an http(s) URL`);
      if (url.username || url.password) problems.push(`'${field}' must not carry credentials`);
    } catch {
      problems.push(`'${field}' is not a URL: '${redactSecrets(value)}'`);
    }
  };
  if (typeof options.endpoint === 'string') checkEndpoint('endpoint', options.endpoint);
  const endpoints = options.endpoints ?? {};
  if (typeof endpoints !== 'object' || endpoints === null) problems.push(`'endpoints' must be an object`);
  else {
    for (const [name, value] of Object.entries(endpoints)) {
      if (!['sqs', 'sns', 'eventBridge'].includes(name))
        problems.push(`'endpoints.${name}' is not a known service`);
      else checkEndpoint(`endpoints.${name}`, value);
    }
  }
  const prefix = options.namePrefix ?? '';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]{0,40}$/.test(prefix)) {
    problems.push(`'namePrefix' must be at most 40 of [A-Za-z0-9_-]`);
  }
  if (
    options.eventBusName !== undefined &&
    (typeof options.eventBusName !== 'string' || !/^[.\-_A-Za-z0-9]{1,256}$/.test(options.eventBusName))
  ) {
    problems.push(`'eventBusName' must be 1-256 of [.-_A-Za-z0-9]`);
  }
  const provision = options.provision ?? 'auto';
  if (provision !== 'auto' && provision !== 'never') problems.push(`'provision' must be 'auto' or 'never'`);
  const wait = options.receiveWaitSeconds ?? 5;
  if (!Number.isInteger(wait) || wait < 0 || wait > 20)
    problems.push(`'receiveWaitSeconds' must be an integer 0-20`);
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  if (!Number.isInteger(visibility) || visibility < 1 || visibility > 43_200) {
    problems.push(`'visibilityTimeoutSeconds' must be an integer 1-43200`);
  }
  const credentials = options.credentials;
  if (
    credentials !== undefined &&
    typeof credentials !== 'function' &&
    (typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.accessKeyId !== 'string' ||
      typeof credentials.secretAccessKey !== 'string')
  ) {
    problems.push(`'credentials' must be { accessKeyId, secretAccessKey } or a provider function`);
  }
  const clients = options.clients ?? {};
  if (typeof clients !== 'object' || clients === null) problems.push(`'clients' must be an object`);
  else {
    for (const [name, client] of Object.entries(clients)) {
      if (!['sqs', 'sns', 'eventBridge'].includes(name))
        problems.push(`'clients.${name}' is not a known client`);
      else if (client !== undefined && typeof (client as { send?: unknown })?.send !== 'function') {
        problems.push(`'clients.${name}' must be an AWS SDK v3 client`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid AWS transport options: ${problems.join('; ')}.`, { transport });
  }
  return {
    region: options.region,
    endpoint: options.endpoint,
    endpoints,
    credentials,
    clients,
    namePrefix: prefix,
    eventBusName: options.eventBusName ?? 'default',
    provision,
    receiveWaitSeconds: wait,
    visibilityTimeoutSeconds: visibility,
  };
}

const URL_PARAMETERS: Record<string, keyof AwsTransportOptions> = {
  region: 'region',
  endpoint: 'endpoint',
  prefix: 'namePrefix',
  namePrefix: 'namePrefix',
  eventBus: 'eventBusName',
  eventBusName: 'eventBusName',
  sqsEndpoint: 'endpoints',
  snsEndpoint: 'endpoints',
  eventBridgeEndpoint: 'endpoints',
  receiveWaitSeconds: 'receiveWaitSeconds',
  visibilityTimeoutSeconds: 'visibilityTimeoutSeconds',
};

/**
 * Parses `aws://?region=eu-west-1&endpoint=http://127.0.0.1:4566&prefix=dev-&eventBus=orders`.
 * A host, when present, is taken as the region (`aws://eu-west-1`). Credentials never go in the
 * URL: they come from the SDK's default provider chain.
 */
export function parseAwsUrl(location: URL | string): AwsTransportOptions {
  let url: URL;
  try {
    url = typeof location === 'string' ? new URL(location) : location;
  } catch (error) {
    throw new ConfigurationError(`'${redactSecrets(String(location))}' is not a valid aws:// URL.`, {
      transport,
      cause: error,
    });
  }
  if (url.protocol !== 'aws:') {
    throw new ConfigurationError(`Expected an aws:// URL; got '${url.protocol}'.`, { transport });
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      `'${redactSecrets(url.href)}' carries credentials; aws:// takes them from the AWS default provider chain (environment, profile, role) instead.`,
      { transport },
    );
  }
  const options: Record<string, string | number | Record<string, string>> = {};
  const endpoints: Record<string, string> = {};
  if (url.hostname) options.region = url.hostname;
  const unknown: string[] = [];
  for (const [name, value] of url.searchParams) {
    const field = URL_PARAMETERS[name];
    if (!field) {
      unknown.push(name);
      continue;
    }
    if (field === 'endpoints') {
      endpoints[name.replace(/Endpoint$/, '')] = value;
      continue;
    }
    options[field] =
      field === 'receiveWaitSeconds' || field === 'visibilityTimeoutSeconds' ? Number(value) : value;
  }
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `Unknown aws:// URL parameter(s) ${unknown.map((name) => `'${name}'`).join(', ')}; known: ${Object.keys(URL_PARAMETERS).join(', ')}. Credentials are never taken from the URL.`,
      { transport },
    );
  }
  if (Object.keys(endpoints).length > 0) options.endpoints = endpoints;
  return options as AwsTransportOptions;
}
