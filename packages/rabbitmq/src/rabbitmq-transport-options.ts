import { ConfigurationError, type Logger } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

/** TLS settings passed through to `tls.connect` for `amqps://` URLs. */
export interface RabbitMqTlsOptions {
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly passphrase?: string;
  readonly servername?: string;
  /** @default true */
  readonly rejectUnauthorized?: boolean;
}

/** Options of `createRabbitMqTransport`. */
export interface RabbitMqTransportOptions {
  /** `amqp://user:password@host:5672/vhost` or `amqps://…`. The password never appears in errors. */
  readonly url: string | URL;
  /**
   * `'auto'` declares queues, exchanges and bindings on first use; `'never'` declares nothing and
   * fails with `ConfigurationError` naming what is missing.
   * @default 'auto'
   */
  readonly provision?: 'auto' | 'never';
  /**
   * The queue type of queues this transport declares. Quorum queues are replicated and count
   * redeliveries (`x-delivery-count`), which gives an exact `attempt`.
   * @default 'quorum'
   */
  readonly queueType?: 'quorum' | 'classic';
  /**
   * `'single-active-consumer'` declares queues with `x-single-active-consumer`, so one consumer
   * at a time receives a queue's messages and consumers asking for `ordering: 'key'` get them one
   * at a time in queue order (`capabilities.ordering` becomes `'key'`).
   * @default 'none'
   */
  readonly ordering?: 'none' | 'single-active-consumer';
  /** Shown in the broker's management UI and `rabbitmqctl list_connections`. @default 'omnibus' */
  readonly connectionName?: string;
  /** AMQP heartbeat in seconds; 0 turns heartbeats off. @default 30 */
  readonly heartbeatSeconds?: number;
  /** How long `connect()` waits for the broker before failing with `ConnectionError`. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /**
   * How long a `send`/`publish`/`emit` waits for the connection to come back (and for the broker's
   * confirm) before it rejects with `ConnectionError`. It never resolves for an unconfirmed message.
   * @default 15_000
   */
  readonly sendTimeoutMs?: number;
  /** Backoff between reconnect attempts (doubling, with jitter). @default { initialMs: 100, maxMs: 5_000 } */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** The headers exchange `emit` publishes to and rules bind to. @default 'omnibus.events' */
  readonly eventsExchange?: string;
  /** TLS options for `amqps://`. */
  readonly tls?: RabbitMqTlsOptions;
  /** Where connection loss and recovery are reported. @default nothing is logged */
  readonly logger?: Logger;
}

/** The validated, defaulted options. */
export interface ResolvedRabbitMqOptions {
  readonly connect: {
    readonly protocol: 'amqp' | 'amqps';
    readonly hostname: string;
    readonly port: number;
    readonly username: string;
    readonly password: string;
    readonly vhost: string;
    readonly heartbeat: number;
  };
  /** The URL with its password redacted, for messages. */
  readonly displayUrl: string;
  readonly provision: 'auto' | 'never';
  readonly queueType: 'quorum' | 'classic';
  readonly ordering: 'none' | 'single-active-consumer';
  readonly connectionName: string;
  readonly connectTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly eventsExchange: string;
  readonly tls: RabbitMqTlsOptions | undefined;
  readonly logger: Logger | undefined;
}

/** Validates every option at once; throws one `ConfigurationError` listing all problems. No I/O. */
export function resolveOptions(options: RabbitMqTransportOptions): ResolvedRabbitMqOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError("createRabbitMqTransport needs options: { url: 'amqp://…' }.", {
      transport: 'rabbitmq',
    });
  }
  const problems: string[] = [];
  const url = parseUrl(options.url, problems);
  const provision = oneOf(options.provision, ['auto', 'never'] as const, 'auto', 'provision', problems);
  const queueType = oneOf(options.queueType, ['quorum', 'classic'] as const, 'quorum', 'queueType', problems);
  const ordering = oneOf(
    options.ordering,
    ['none', 'single-active-consumer'] as const,
    'none',
    'ordering',
    problems,
  );
  const heartbeat = integer(url?.heartbeat ?? options.heartbeatSeconds, 30, 0, 'heartbeatSeconds', problems);
  const connectTimeoutMs = integer(options.connectTimeoutMs, 10_000, 1, 'connectTimeoutMs', problems);
  const sendTimeoutMs = integer(options.sendTimeoutMs, 15_000, 1, 'sendTimeoutMs', problems);
  const initialMs = integer(options.reconnect?.initialMs, 100, 1, 'reconnect.initialMs', problems);
  const maxMs = integer(options.reconnect?.maxMs, 5_000, 1, 'reconnect.maxMs', problems);
  if (maxMs < initialMs) problems.push('reconnect.maxMs must be >= reconnect.initialMs.');
  const connectionName = text(options.connectionName, 'omnibus', 'connectionName', problems);
  const eventsExchange = text(options.eventsExchange, 'omnibus.events', 'eventsExchange', problems);
  if (options.tls !== undefined && (options.tls === null || typeof options.tls !== 'object')) {
    problems.push('tls must be an object of TLS options (ca, cert, key, …).');
  }
  if (options.tls !== undefined && url && url.protocol === 'amqp') {
    problems.push('tls options were given but the URL uses amqp://; use amqps:// for TLS.');
  }
  if (
    options.logger !== undefined &&
    (options.logger === null || typeof options.logger.warn !== 'function')
  ) {
    problems.push('logger must have debug/info/warn/error methods.');
  }
  if (problems.length > 0 || !url) {
    throw new ConfigurationError(`Invalid RabbitMQ transport options: ${problems.join(' ')}`, {
      transport: 'rabbitmq',
    });
  }
  return {
    connect: { ...url.connect, heartbeat },
    displayUrl: url.displayUrl,
    provision,
    queueType,
    ordering,
    connectionName,
    connectTimeoutMs,
    sendTimeoutMs,
    reconnect: { initialMs, maxMs },
    eventsExchange,
    tls: options.tls,
    logger: options.logger,
  };
}

interface ParsedUrl {
  readonly protocol: 'amqp' | 'amqps';
  readonly connect: Omit<ResolvedRabbitMqOptions['connect'], 'heartbeat'>;
  readonly heartbeat: number | undefined;
  readonly displayUrl: string;
}

function parseUrl(input: unknown, problems: string[]): ParsedUrl | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    problems.push("url is required, e.g. 'amqp://guest:guest@127.0.0.1:5672'.");
    return undefined;
  }
  const raw = String(input);
  const displayUrl = redactSecrets(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`url '${displayUrl}' is not a valid URL; expected amqp://user:password@host:port/vhost.`);
    return undefined;
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'amqp' && protocol !== 'amqps') {
    problems.push(`url '${displayUrl}' must use amqp:// or amqps://.`);
    return undefined;
  }
  if (url.hostname === '') {
    problems.push(`url '${displayUrl}' has no host.`);
    return undefined;
  }
  const port = url.port === '' ? (protocol === 'amqp' ? 5672 : 5671) : Number(url.port);
  // As in the AMQP URI spec: an absent path is the default vhost '/', a path segment is decoded.
  const vhost = url.pathname === '' || url.pathname === '/' ? '/' : decodeURIComponent(url.pathname.slice(1));
  const heartbeatText = url.searchParams.get('heartbeat');
  let heartbeat: number | undefined;
  if (heartbeatText !== null) {
    heartbeat = Number(heartbeatText);
    if (!Number.isInteger(heartbeat) || heartbeat < 0) {
      problems.push(`url '${displayUrl}' has an invalid heartbeat; expected whole seconds >= 0.`);
      heartbeat = undefined;
    }
  }
  const hasCredentials = url.username !== '' || url.password !== '';
  return {
    protocol,
    connect: {
      protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      username: hasCredentials ? decodeURIComponent(url.username) : 'guest',
      password: hasCredentials ? decodeURIComponent(url.password) : 'guest',
      vhost,
    },
    heartbeat,
    displayUrl,
  };
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  name: string,
  problems: string[],
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(
    `${name} must be ${allowed.map((entry) => `'${entry}'`).join(' or ')}; got ${JSON.stringify(value)}.`,
  );
  return fallback;
}

function integer(value: unknown, fallback: number, min: number, name: string, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  problems.push(`${name} must be a whole number >= ${min}; got ${JSON.stringify(value)}.`);
  return fallback;
}

function text(value: unknown, fallback: string, name: string, problems: string[]): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value !== '') return value;
  problems.push(`${name} must be a non-empty string.`);
  return fallback;
}
