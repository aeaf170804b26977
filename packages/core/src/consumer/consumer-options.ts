import type { EnvelopeMode } from '../message/envelope/envelope-mode.js';
import type { Middleware } from './handler.js';

/** How a consumer retries failed messages. */
export interface RetryOptions {
  /**
   * Total attempts, the first included, before dead-lettering.
   * @default 5
   */
  attempts?: number;
  /** Delay before each retry: `initialMs * factor^(attempt-1)`, capped at `maxMs`, with full jitter. */
  backoff?: BackoffOptions;
  /** Decides whether an error is worth retrying. `PermanentError` and decode errors never are. */
  shouldRetry?: (error: Error, attempt: number) => boolean;
}

export interface BackoffOptions {
  /** @default 200 */
  initialMs?: number;
  /** @default 60_000 */
  maxMs?: number;
  /** @default 2 */
  factor?: number;
  /**
   * Randomise each delay (between half and all of it) so that many failing consumers do not retry
   * in lock step.
   * @default true
   */
  jitter?: boolean;
}

/** Options shared by `bus.consumer`, `topic.subscribe` and `deadLetters().consume`. */
export interface ConsumerOptions {
  /**
   * Most messages handled at once (the prefetch).
   * @default 10
   */
  concurrency?: number;
  /** Retry policy. `false` dead-letters on the first failure. */
  retry?: RetryOptions | false;
  /**
   * Dead-letter after the last attempt (to `<queue>.dlq` or the native DLQ). With `false`, a message
   * that exhausted its attempts is retried at the maximum backoff instead: never dropped.
   * @default true
   */
  deadLetter?: boolean;
  /** Handler middleware, outermost first (e.g. `idempotency({ store })`). */
  middleware?: readonly Middleware[];
  /**
   * `'key'` processes messages with the same `key` one at a time in order. Needs a transport whose
   * capabilities say `ordering: 'key'`.
   * @default 'none'
   */
  ordering?: 'key' | 'none';
  /** Abort `ctx.signal` and fail the attempt after this long. No limit by default. */
  handlerTimeoutMs?: number;
  /**
   * How arriving messages are read: `'auto'` recognises Omnibus messages, CloudEvents (binary and
   * structured content mode) and EventBridge events, and dead-letters anything else as a
   * `DecodeError`; `'raw'` hands the handler a `RawMessage` (body and native attributes) so
   * messages of any foreign producer can be consumed. See `docs/concepts/interoperability.md`.
   * @default 'auto'
   */
  envelope?: EnvelopeMode;
}

/** Options of a consumer that reads foreign messages as they are (`envelope: 'raw'`). */
export type RawConsumerOptions = ConsumerOptions & { envelope: 'raw' };
