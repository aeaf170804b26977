import type { TokenCredential } from '@azure/identity';
import { ConfigurationError } from '@omnibus/core';
import { redactSecrets, type TransportFactoryOptions } from '@omnibus/core/transport';
import type { ServiceBusAdministration } from './service-bus-administration.js';

/**
 * Options of `createAzureServiceBusTransport`. Give exactly one of `connectionString` and
 * `namespace`.
 */
export interface AzureServiceBusTransportOptions {
  /**
   * A Service Bus connection string (`Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…`),
   * with `UseDevelopmentEmulator=true` for an emulator (plain TCP, no TLS).
   */
  readonly connectionString?: string;
  /**
   * The fully qualified namespace (`my-namespace.servicebus.windows.net`), authenticated with
   * `credential` (default: `DefaultAzureCredential` from `@azure/identity`).
   */
  readonly namespace?: string;
  /** The Entra ID credential used with `namespace`. @default new DefaultAzureCredential() */
  readonly credential?: TokenCredential;
  /** `'auto'` creates what is used; `'never'` fails with `ConfigurationError` naming what is missing. @default 'auto' */
  readonly provision?: 'auto' | 'never';
  /**
   * Creates entities when `provision` is `'auto'`. Defaults to one built on the SDK's
   * `ServiceBusAdministrationClient` (HTTPS/ATOM). The development emulator serves no
   * administration endpoint: there, either pass one (tests drive an emulator's own API), or leave
   * it out and declare the entities in the emulator's `Config.json`, which is then checked instead.
   */
  readonly administration?: ServiceBusAdministration;
  /** Prepended to every queue and topic name, e.g. `'staging.'`. @default '' */
  readonly namePrefix?: string;
  /** The topic `emit` publishes to and rule subscriptions live on. @default 'omnibus.events' */
  readonly eventsTopic?: string;
  /**
   * `MaxDeliveryCount` of the queues and subscriptions this transport creates before a consumer
   * said how many attempts it makes (a send creating a queue). Consumers creating an entity use
   * their own `maxAttempts`. 1–2000. @default 10
   */
  readonly maxDeliveryCount?: number;
  /**
   * `LockDuration` of the entities this transport creates, 5 s–5 min. The SDK renews locks
   * while a handler runs. @default 60_000
   */
  readonly lockDurationMs?: number;
  /**
   * How long the SDK keeps renewing the lock of a message (or session) being handled. @default 300_000
   */
  readonly maxLockRenewalMs?: number;
  /**
   * How long a session consumer waits for more messages of a session before releasing it to take
   * another (ordering by key). @default 1_000
   */
  readonly sessionIdleMs?: number;
}

/** Options after validation, with defaults applied. */
export interface ResolvedAzureServiceBusOptions {
  readonly connectionString: string | undefined;
  readonly namespace: string | undefined;
  readonly credential: TokenCredential | undefined;
  /** The connection string says `UseDevelopmentEmulator=true`. */
  readonly developmentEmulator: boolean;
  /** The endpoint host, for messages (never a secret). */
  readonly host: string;
  readonly provision: 'auto' | 'never';
  readonly administration: ServiceBusAdministration | undefined;
  readonly namePrefix: string;
  readonly eventsTopic: string;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
  readonly maxLockRenewalMs: number;
  readonly sessionIdleMs: number;
}

const TRANSPORT = 'azure-service-bus';
/** Entity path characters Service Bus accepts for queues and topics. */
const ENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

/** Reads the key/value pairs of a connection string (keys case-insensitive). */
export function parseConnectionString(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return pairs;
}

/** Validates every option at once; throws one `ConfigurationError` listing all problems. */
export function resolveAzureServiceBusOptions(
  options: AzureServiceBusTransportOptions,
): ResolvedAzureServiceBusOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createAzureServiceBusTransport needs an options object.', {
      transport: TRANSPORT,
    });
  }
  const problems: string[] = [];
  let host = '';
  let developmentEmulator = false;
  const { connectionString, namespace } = options;
  if ((connectionString === undefined) === (namespace === undefined)) {
    problems.push("give exactly one of 'connectionString' and 'namespace'.");
  }
  if (connectionString !== undefined) {
    const pairs = typeof connectionString === 'string' ? parseConnectionString(connectionString) : undefined;
    const endpoint = pairs?.get('endpoint');
    const match = endpoint ? /^sb:\/\/([^/;:]+)(?::(\d+))?\/?$/i.exec(endpoint) : null;
    if (!pairs || !match) {
      problems.push(
        `connectionString must hold 'Endpoint=sb://HOST[:PORT]/'; got '${redactSecrets(String(connectionString)).slice(0, 120)}'.`,
      );
    } else {
      host = match[1]!;
      developmentEmulator = pairs.get('usedevelopmentemulator')?.toLowerCase() === 'true';
      const hasKey = pairs.has('sharedaccesskeyname') && pairs.has('sharedaccesskey');
      if (!hasKey && !pairs.has('sharedaccesssignature')) {
        problems.push(
          'connectionString needs SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature); for Entra ID use namespace with a credential.',
        );
      }
      if (pairs.has('entitypath')) {
        problems.push('connectionString must be namespace-level: remove EntityPath.');
      }
    }
  }
  if (namespace !== undefined) {
    if (typeof namespace !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9](:\d+)?$/.test(namespace)) {
      problems.push(`namespace must be a host such as 'my-namespace.servicebus.windows.net'.`);
    } else {
      host = namespace;
    }
  }
  if (options.credential !== undefined && typeof options.credential?.getToken !== 'function') {
    problems.push('credential must be a TokenCredential (e.g. from @azure/identity).');
  }
  if (options.credential !== undefined && connectionString !== undefined) {
    problems.push('credential is used with namespace only; a connection string carries its own key.');
  }
  const provision = options.provision ?? 'auto';
  if (provision !== 'auto' && provision !== 'never') {
    problems.push(`provision must be 'auto' or 'never'; got '${String(provision)}'.`);
  }
  const administration = options.administration;
  if (
    administration !== undefined &&
    (typeof administration !== 'object' || typeof administration.ensureQueue !== 'function')
  ) {
    problems.push('administration must implement ServiceBusAdministration.');
  }
  const namePrefix = options.namePrefix ?? '';
  if (typeof namePrefix !== 'string' || (namePrefix !== '' && !ENTITY_NAME.test(namePrefix))) {
    problems.push('namePrefix may only hold letters, digits and . _ - /, starting with a letter or digit.');
  }
  const eventsTopic = options.eventsTopic ?? 'omnibus.events';
  if (typeof eventsTopic !== 'string' || !ENTITY_NAME.test(eventsTopic)) {
    problems.push('eventsTopic must be a Service Bus topic name.');
  }
  const maxDeliveryCount = integer(options.maxDeliveryCount, 10, 'maxDeliveryCount', 1, 2_000, problems);
  const lockDurationMs = integer(options.lockDurationMs, 60_000, 'lockDurationMs', 5_000, 300_000, problems);
  const maxLockRenewalMs = integer(
    options.maxLockRenewalMs,
    300_000,
    'maxLockRenewalMs',
    0,
    Number.MAX_SAFE_INTEGER,
    problems,
  );
  const sessionIdleMs = integer(options.sessionIdleMs, 1_000, 'sessionIdleMs', 100, 60_000, problems);
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid azure-service-bus options: ${problems.join(' ')}`, {
      transport: TRANSPORT,
    });
  }
  return {
    connectionString,
    namespace,
    credential: options.credential,
    developmentEmulator,
    host,
    provision,
    administration,
    namePrefix,
    eventsTopic,
    maxDeliveryCount,
    lockDurationMs,
    maxLockRenewalMs,
    sessionIdleMs,
  };
}

/**
 * Reads what `createBus` was given: a connection string (`Endpoint=sb://…`) or
 * `azure-servicebus://NAMESPACE[?namePrefix=…&eventsTopic=…]` (credential from the environment).
 */
export function optionsFromUrl(
  location: URL | string,
  factoryOptions: TransportFactoryOptions,
): AzureServiceBusTransportOptions {
  const text = String(location).trim();
  if (/^endpoint\s*=/i.test(text)) {
    return { connectionString: text, provision: factoryOptions.provision };
  }
  let url: URL;
  try {
    url = typeof location === 'string' ? new URL(text) : location;
  } catch (error) {
    throw new ConfigurationError(
      `'${redactSecrets(text)}' is not a valid URL; expected azure-servicebus://NAMESPACE.servicebus.windows.net or a connection string.`,
      { transport: TRANSPORT, cause: error },
    );
  }
  if (url.protocol !== 'azure-servicebus:') {
    throw new ConfigurationError(
      `The azure-service-bus transport takes azure-servicebus:// URLs or connection strings; got '${url.protocol}//'.`,
      { transport: TRANSPORT },
    );
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      'azure-servicebus:// URLs carry no credentials; the credential comes from the environment (DefaultAzureCredential), or use a connection string.',
      { transport: TRANSPORT },
    );
  }
  const known = new Set(['namePrefix', 'eventsTopic']);
  const unknown = [...url.searchParams.keys()].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `Unknown azure-servicebus URL parameter(s): ${unknown.join(', ')}. Known: ${[...known].join(', ')}.`,
      { transport: TRANSPORT },
    );
  }
  if (url.hostname === '') {
    throw new ConfigurationError(
      'azure-servicebus:// needs the namespace, e.g. azure-servicebus://my-namespace.servicebus.windows.net',
      { transport: TRANSPORT },
    );
  }
  const namespace = url.hostname.includes('.') ? url.host : `${url.hostname}.servicebus.windows.net`;
  const namePrefix = url.searchParams.get('namePrefix');
  const eventsTopic = url.searchParams.get('eventsTopic');
  return {
    namespace,
    provision: factoryOptions.provision,
    ...(namePrefix !== null ? { namePrefix } : {}),
    ...(eventsTopic !== null ? { eventsTopic } : {}),
  };
}

function integer(
  value: number | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}; got ${String(value)}.`);
  }
  return value;
}
