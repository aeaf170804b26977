import { OmnibusError, type OmnibusErrorOptions } from './omnibus-error.js';

/**
 * Checks `value` against an Omnibus error code, across duplicate installs of this package.
 * Used by the `isInstance` statics of the named subclasses.
 */
function hasCode(value: unknown, code: string): boolean {
  return OmnibusError.isInstance(value) && value.code === code;
}

/** A malformed URL, an unknown scheme, a missing credential, an invalid option or missing infrastructure. */
export class ConfigurationError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('configuration', message, options);
    this.name = 'ConfigurationError';
  }
  static override isInstance(value: unknown): value is ConfigurationError {
    return hasCode(value, 'configuration');
  }
}

/** The URL scheme names a transport whose package is not installed. */
export class TransportNotInstalledError extends OmnibusError {
  /** The npm package to install, e.g. `@omnibus/rabbitmq`. */
  readonly packageName: string;
  constructor(packageName: string, scheme: string, options?: OmnibusErrorOptions) {
    super(
      'transport-not-installed',
      `The '${scheme}' transport needs the package ${packageName}. Install it: npm install ${packageName}`,
      options,
    );
    this.name = 'TransportNotInstalledError';
    this.packageName = packageName;
  }
  static override isInstance(value: unknown): value is TransportNotInstalledError {
    return hasCode(value, 'transport-not-installed');
  }
}

/** The broker could not be reached, or the connection was lost and not recovered in time. */
export class ConnectionError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('connection', message, { retryable: true, ...options });
    this.name = 'ConnectionError';
  }
  static override isInstance(value: unknown): value is ConnectionError {
    return hasCode(value, 'connection');
  }
}

/** A message is larger than the transport accepts. Raised before anything is sent. */
export class MessageTooLargeError extends OmnibusError {
  readonly sizeBytes: number;
  readonly maxBytes: number;
  constructor(sizeBytes: number, maxBytes: number, options?: OmnibusErrorOptions) {
    const where = options?.transport ? ` by the ${options.transport} transport` : '';
    super(
      'message-too-large',
      `The message is ${sizeBytes} bytes encoded; at most ${maxBytes} bytes are accepted${where}. ` +
        'Send a reference to the payload (a storage URL or id) instead of the payload itself.',
      options,
    );
    this.name = 'MessageTooLargeError';
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
  static override isInstance(value: unknown): value is MessageTooLargeError {
    return hasCode(value, 'message-too-large');
  }
}

/** An event pattern that EventBridge would reject. `path` points at the offending part. */
export class InvalidPatternError extends OmnibusError {
  /** Where in the pattern the problem is, e.g. `data.amount[0].numeric`. Empty for the root. */
  readonly path: string;
  /** Why it is invalid, without the path. */
  readonly reason: string;
  constructor(path: string, reason: string, options?: OmnibusErrorOptions) {
    super(
      'invalid-pattern',
      `Invalid event pattern at ${path === '' ? 'the root' : `'${path}'`}: ${reason}`,
      options,
    );
    this.name = 'InvalidPatternError';
    this.path = path;
    this.reason = reason;
  }
  static override isInstance(value: unknown): value is InvalidPatternError {
    return hasCode(value, 'invalid-pattern');
  }
}

/** The transport cannot do what was asked (a delay past its maximum, ordering it lacks…). */
export class UnsupportedFeatureError extends OmnibusError {
  readonly feature: string;
  constructor(feature: string, detail: string, options?: OmnibusErrorOptions) {
    super(
      'unsupported-feature',
      `The ${options?.transport ?? 'selected'} transport does not support ${feature}: ${detail}`,
      options,
    );
    this.name = 'UnsupportedFeatureError';
    this.feature = feature;
  }
  static override isInstance(value: unknown): value is UnsupportedFeatureError {
    return hasCode(value, 'unsupported-feature');
  }
}

/**
 * Thrown by a handler to say "retrying will not help": the message goes to the dead-letter queue at
 * once, with this error's message as the reason.
 */
export class PermanentError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('permanent', message, options);
    this.name = 'PermanentError';
  }
  static override isInstance(value: unknown): value is PermanentError {
    return hasCode(value, 'permanent');
  }
}

/** A received message could not be decoded (not JSON, missing envelope fields) or failed its schema. */
export class DecodeError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('decode', message, options);
    this.name = 'DecodeError';
  }
  static override isInstance(value: unknown): value is DecodeError {
    return hasCode(value, 'decode');
  }
}

/** A message given to `send`/`publish`/`emit` is not valid (no type, a reserved header, bad data…). */
export class InvalidMessageError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('invalid-message', message, options);
    this.name = 'InvalidMessageError';
  }
  static override isInstance(value: unknown): value is InvalidMessageError {
    return hasCode(value, 'invalid-message');
  }
}

/** The bus, producer or consumer was used after `close()`. */
export class ClosedError extends OmnibusError {
  constructor(message: string, options?: OmnibusErrorOptions) {
    super('closed', message, options);
    this.name = 'ClosedError';
  }
  static override isInstance(value: unknown): value is ClosedError {
    return hasCode(value, 'closed');
  }
}

/**
 * A function invocation (Lambda, Cloud Functions, Azure Functions) whose messages were not all
 * handled or dead-lettered: the entry point fails the invocation so that the platform retries it
 * (or abandons the message), as its trigger's semantics say. `reasons` lists what happened to each.
 */
export class InvocationFailedError extends OmnibusError {
  readonly reasons: readonly string[];
  constructor(reasons: readonly string[], total: number, options?: OmnibusErrorOptions) {
    super(
      'invocation-failed',
      `${reasons.length} of ${total} messages were not done; the platform redelivers: ${reasons.join('; ')}`,
      { retryable: true, ...options },
    );
    this.name = 'InvocationFailedError';
    this.reasons = reasons;
  }
  static override isInstance(value: unknown): value is InvocationFailedError {
    return hasCode(value, 'invocation-failed');
  }
}

/** The same idempotency key arrived with a different payload: a key collision, not a duplicate. */
export class IdempotencyConflictError extends OmnibusError {
  readonly key: string;
  constructor(key: string, options?: OmnibusErrorOptions) {
    super(
      'idempotency-conflict',
      `Idempotency key '${key}' was already used for a different payload. Derive keys from what makes a ` +
        'request unique, or turn fingerprinting off if payloads legitimately differ between duplicates.',
      options,
    );
    this.name = 'IdempotencyConflictError';
    this.key = key;
  }
  static override isInstance(value: unknown): value is IdempotencyConflictError {
    return hasCode(value, 'idempotency-conflict');
  }
}

/** A duplicate arrived while the first copy is still being handled; it is retried later. */
export class DuplicateInProgressError extends OmnibusError {
  readonly key: string;
  /** When the first copy's lease runs out (epoch ms). */
  readonly lockedUntil: number;
  constructor(key: string, lockedUntil: number, options?: OmnibusErrorOptions) {
    super(
      'duplicate-in-progress',
      `Message with idempotency key '${key}' is already being handled; retrying later.`,
      {
        retryable: true,
        ...options,
      },
    );
    this.name = 'DuplicateInProgressError';
    this.key = key;
    this.lockedUntil = lockedUntil;
  }
  static override isInstance(value: unknown): value is DuplicateInProgressError {
    return hasCode(value, 'duplicate-in-progress');
  }
}
