import type { PubSub } from '@google-cloud/pubsub';
import { ConfigurationError } from '@omnibus/core';
import { redactSecrets, type TransportFactoryOptions } from '@omnibus/core/transport';

/** Options of `createGcpPubSubTransport`. Every field is optional. */
export interface GcpPubSubTransportOptions {
  /**
   * The Google Cloud project. Defaults to what the client library finds (the `GOOGLE_CLOUD_PROJECT`
   * environment variable or Application Default Credentials).
   */
  readonly projectId?: string;
  /**
   * `host:port` of the Pub/Sub emulator. When set, the client talks plain gRPC to it without
   * credentials. The client also honours `PUBSUB_EMULATOR_HOST` by itself.
   */
  readonly emulatorHost?: string;
  /** A ready client to use instead of creating one; `close()` then leaves it open. */
  readonly client?: PubSub;
  /** `'auto'` creates topics and subscriptions on first use; `'never'` only checks they exist. @default 'auto' */
  readonly provision?: 'auto' | 'never';
  /** Prepended to every topic and subscription id, e.g. `'staging-'`. @default '' */
  readonly namePrefix?: string;
  /** The topic `emit` publishes to and rules subscribe to. @default 'omnibus.events' */
  readonly eventsTopic?: string;
  /**
   * Publisher batching. A batch is sent when it holds `maxMessages` or `maxMilliseconds` passed.
   * @default { maxMessages: 1000, maxMilliseconds: 5 }
   */
  readonly publishBatching?: { readonly maxMessages?: number; readonly maxMilliseconds?: number };
  /**
   * Ack/modifyAckDeadline batching of the subscriber. A settle resolves when its batch was sent, and
   * a flow-control slot frees only then, so `maxMilliseconds` bounds throughput per slot: keep it
   * small when `concurrency` is small. @default { maxMessages: 1000, maxMilliseconds: 10 }
   */
  readonly ackBatching?: { readonly maxMessages?: number; readonly maxMilliseconds?: number };
  /** Ack deadline of the subscriptions this transport creates; the client extends leases while handlers run. @default 60 */
  readonly ackDeadlineSeconds?: number;
}

/** Options after defaults, validated. */
export interface ResolvedGcpPubSubOptions {
  readonly projectId: string | undefined;
  readonly emulatorHost: string | undefined;
  readonly client: PubSub | undefined;
  readonly provision: 'auto' | 'never';
  readonly namePrefix: string;
  readonly eventsTopic: string;
  readonly publishBatching: { readonly maxMessages: number; readonly maxMilliseconds: number };
  readonly ackBatching: { readonly maxMessages: number; readonly maxMilliseconds: number };
  readonly ackDeadlineSeconds: number;
}

const TRANSPORT = 'gcp-pubsub';

/** Validates every option at once; throws one `ConfigurationError` listing all problems. */
export function resolveGcpPubSubOptions(options: GcpPubSubTransportOptions = {}): ResolvedGcpPubSubOptions {
  const problems: string[] = [];
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('gcp-pubsub options must be an object.', { transport: TRANSPORT });
  }
  const projectId = options.projectId;
  if (projectId !== undefined && !/^[a-z][a-z0-9-.:]{1,100}$/i.test(projectId)) {
    problems.push(`projectId '${String(projectId).slice(0, 60)}' is not a Google Cloud project id.`);
  }
  const emulatorHost = options.emulatorHost;
  if (
    emulatorHost !== undefined &&
    !/^[^\s/:]+:\d{1,5}$/.test(emulatorHost) &&
    !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(emulatorHost)
  ) {
    problems.push(
      `emulatorHost must be 'host:port', e.g. '127.0.0.1:8085'; got '${redactSecrets(String(emulatorHost))}'.`,
    );
  }
  const provision = options.provision ?? 'auto';
  if (provision !== 'auto' && provision !== 'never')
    problems.push(`provision must be 'auto' or 'never'; got '${String(provision)}'.`);
  const namePrefix = options.namePrefix ?? '';
  if (typeof namePrefix !== 'string' || /[^A-Za-z0-9\-_.~+]/.test(namePrefix)) {
    problems.push('namePrefix may only hold letters, digits and - _ . ~ +.');
  }
  const eventsTopic = options.eventsTopic ?? 'omnibus.events';
  if (typeof eventsTopic !== 'string' || eventsTopic === '')
    problems.push('eventsTopic must be a non-empty string.');
  const publishBatching = {
    maxMessages: positiveInteger(
      options.publishBatching?.maxMessages,
      1000,
      'publishBatching.maxMessages',
      problems,
      1000,
    ),
    maxMilliseconds: nonNegative(
      options.publishBatching?.maxMilliseconds,
      5,
      'publishBatching.maxMilliseconds',
      problems,
    ),
  };
  const ackBatching = {
    maxMessages: positiveInteger(
      options.ackBatching?.maxMessages,
      1000,
      'ackBatching.maxMessages',
      problems,
      2500,
    ),
    maxMilliseconds: nonNegative(
      options.ackBatching?.maxMilliseconds,
      10,
      'ackBatching.maxMilliseconds',
      problems,
    ),
  };
  const ackDeadlineSeconds = options.ackDeadlineSeconds ?? 60;
  if (!Number.isInteger(ackDeadlineSeconds) || ackDeadlineSeconds < 10 || ackDeadlineSeconds > 600) {
    problems.push(`ackDeadlineSeconds must be an integer from 10 to 600; got ${String(ackDeadlineSeconds)}.`);
  }
  if (
    options.client !== undefined &&
    (typeof options.client !== 'object' || typeof options.client.topic !== 'function')
  ) {
    problems.push('client must be a PubSub instance from @google-cloud/pubsub.');
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid gcp-pubsub options: ${problems.join(' ')}`, {
      transport: TRANSPORT,
    });
  }
  return {
    projectId,
    emulatorHost,
    client: options.client,
    provision,
    namePrefix,
    eventsTopic,
    publishBatching,
    ackBatching,
    ackDeadlineSeconds,
  };
}

/**
 * Reads `gcp-pubsub://PROJECT?emulatorHost=HOST:PORT&namePrefix=…&eventsTopic=…`. An empty project
 * (`gcp-pubsub://`) leaves it to the client library's discovery.
 */
export function optionsFromUrl(
  url: URL | string,
  factoryOptions: TransportFactoryOptions,
): GcpPubSubTransportOptions {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (error) {
    throw new ConfigurationError(
      `'${redactSecrets(String(url))}' is not a valid URL; expected gcp-pubsub://PROJECT?emulatorHost=HOST:PORT.`,
      { transport: TRANSPORT, cause: error },
    );
  }
  if (parsed.protocol !== 'gcp-pubsub:') {
    throw new ConfigurationError(
      `The gcp-pubsub transport takes gcp-pubsub:// URLs; got '${parsed.protocol}//'.`,
      {
        transport: TRANSPORT,
      },
    );
  }
  if (parsed.username || parsed.password) {
    throw new ConfigurationError(
      'gcp-pubsub URLs carry no credentials; use Application Default Credentials or pass a client.',
      { transport: TRANSPORT },
    );
  }
  const known = new Set(['emulatorHost', 'namePrefix', 'eventsTopic']);
  const unknown = [...parsed.searchParams.keys()].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `Unknown gcp-pubsub URL parameter(s): ${unknown.join(', ')}. Known: ${[...known].join(', ')}.`,
      { transport: TRANSPORT },
    );
  }
  const project = decodeURIComponent(parsed.hostname || parsed.pathname.replace(/^\/+/, ''));
  const options: { -readonly [K in keyof GcpPubSubTransportOptions]: GcpPubSubTransportOptions[K] } = {
    provision: factoryOptions.provision,
  };
  if (project !== '') options.projectId = project;
  const emulatorHost = parsed.searchParams.get('emulatorHost');
  if (emulatorHost !== null) options.emulatorHost = emulatorHost;
  const namePrefix = parsed.searchParams.get('namePrefix');
  if (namePrefix !== null) options.namePrefix = namePrefix;
  const eventsTopic = parsed.searchParams.get('eventsTopic');
  if (eventsTopic !== null) options.eventsTopic = eventsTopic;
  return options;
}

function positiveInteger(
  value: number | undefined,
  fallback: number,
  name: string,
  problems: string[],
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    problems.push(`${name} must be an integer from 1 to ${max}.`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    problems.push(`${name} must be a number >= 0.`);
  return value;
}
