/**
 * The marker every Omnibus error carries. `Symbol.for` makes it global, so `OmnibusError.isInstance`
 * recognises errors thrown by a second copy of `@omnibus/core` (duplicate installs, bundled adapters)
 * where `instanceof` would not.
 */
const marker = Symbol.for('omnibus.error');

/** Stable, kebab-case error codes. Safe to switch on; never renamed within a major version. */
export type OmnibusErrorCode =
  | 'configuration'
  | 'transport-not-installed'
  | 'connection'
  | 'message-too-large'
  | 'invalid-pattern'
  | 'unsupported-feature'
  | 'permanent'
  | 'decode'
  | 'invalid-message'
  | 'idempotency-conflict'
  | 'duplicate-in-progress'
  | 'closed'
  | 'invocation-failed';

export interface OmnibusErrorOptions {
  /** The underlying error (an SDK error, a socket error…), kept for debugging. */
  cause?: unknown;
  /** The transport that raised it, e.g. `'rabbitmq'`. */
  transport?: string;
  /** Whether repeating the same operation may succeed. */
  retryable?: boolean;
}

/**
 * Base class of every error Omnibus throws or rejects with. Messages say what went wrong and what to
 * do about it, and never contain a secret (passwords, keys, tokens are redacted before they get here).
 */
export class OmnibusError extends Error {
  readonly code: OmnibusErrorCode;
  readonly transport: string | undefined;
  readonly retryable: boolean;
  readonly [marker] = true;

  constructor(code: OmnibusErrorCode, message: string, options: OmnibusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OmnibusError';
    this.code = code;
    this.transport = options.transport;
    this.retryable = options.retryable ?? false;
  }

  /** True for any Omnibus error, including one from another copy of this package. */
  static isInstance(value: unknown): value is OmnibusError {
    return typeof value === 'object' && value !== null && (value as { [marker]?: unknown })[marker] === true;
  }
}
