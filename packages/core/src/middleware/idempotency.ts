import { createHash } from 'node:crypto';
import { ConfigurationError, DuplicateInProgressError } from '../errors/index.js';
import type { HandlerContext, Middleware } from '../consumer/handler.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';
import type { Message } from '../message/message.js';
import { noteIdempotency } from '../telemetry/bus-observer.js';

export interface IdempotencyOptions {
  /** Where handled keys are remembered. */
  store: IdempotencyStore;
  /**
   * The idempotency key of a message.
   * @default (message) => message.id
   */
  key?: (message: Message) => string;
  /**
   * Prefix that keeps keys of different consumers apart, so two consumers of the same message both
   * run. `false` shares keys across consumers.
   * @default the consumer's queue or `topic/subscription`
   */
  namespace?: string | false;
  /** How long a completed key is remembered. @default 24 hours */
  ttlMs?: number;
  /** How long an in-progress key blocks a concurrent duplicate. @default 30 seconds */
  lockMs?: number;
  /**
   * A fingerprint of the payload stored with the key, so the same key with a different payload is
   * caught (`IdempotencyConflictError`, dead-lettered) instead of silently skipped. `false` turns it
   * off. @default a SHA-256 of the message's type and data
   */
  fingerprint?: ((message: Message) => string) | false;
  /**
   * What a duplicate does while the first copy is in progress: `'retry-later'` hands it back to the
   * transport for a later retry; `'wait'` polls the store until the first copy completes (then acks
   * without running) or its lease expires (then runs).
   * @default 'retry-later'
   */
  onInProgress?: 'retry-later' | 'wait';
}

/**
 * Handler middleware that runs each message's effect at most once per key: a duplicate of a
 * completed message is acknowledged without running the handler; a duplicate arriving while the
 * first copy runs is not run concurrently; a handler that throws releases its key so the retry runs.
 */
export function idempotency(options: IdempotencyOptions): Middleware {
  if (!options || typeof options.store?.claim !== 'function') {
    throw new ConfigurationError(
      'idempotency({ store }) needs an IdempotencyStore, e.g. new MemoryIdempotencyStore().',
    );
  }
  const { store } = options;
  const keyOf = options.key ?? ((message: Message) => message.id);
  const ttlMs = options.ttlMs ?? 24 * 3_600_000;
  const lockMs = options.lockMs ?? 30_000;
  const onInProgress = options.onInProgress ?? 'retry-later';
  const fingerprintOf =
    options.fingerprint === false ? undefined : (options.fingerprint ?? defaultFingerprint);
  for (const [name, value] of [
    ['ttlMs', ttlMs],
    ['lockMs', lockMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new ConfigurationError(`idempotency ${name} must be a positive number; got ${value}.`);
  }
  if (onInProgress !== 'retry-later' && onInProgress !== 'wait') {
    throw new ConfigurationError(
      `idempotency onInProgress must be 'retry-later' or 'wait'; got ${String(onInProgress)}.`,
    );
  }

  const plainClaim = { lockMs };
  const middleware = async (message: Message, context: HandlerContext, next: () => Promise<unknown>) => {
    const base = keyOf(message);
    if (typeof base !== 'string' || base === '') {
      throw new ConfigurationError(
        `The idempotency key function returned ${JSON.stringify(base)} for message ${message.id}; it must return a non-empty string.`,
      );
    }
    const namespace = options.namespace === undefined ? context.origin : options.namespace;
    const key = namespace === false ? base : `${namespace}:${base}`;
    const claimOptions = fingerprintOf ? { lockMs, fingerprint: fingerprintOf(message) } : plainClaim;

    let claim = await store.claim(key, claimOptions);
    while (claim.status === 'in-progress') {
      noteIdempotency('in_progress');
      if (onInProgress === 'retry-later') throw new DuplicateInProgressError(key, claim.expiresAt);
      // Wait for the first copy: poll at a tenth of the remaining lease, bounded by the lease itself.
      const remaining = claim.expiresAt - Date.now();
      await sleep(Math.min(250, Math.max(20, remaining / 10)), context.signal);
      claim = await store.claim(key, claimOptions);
    }
    noteIdempotency(claim.status === 'completed' ? 'duplicate' : 'claimed');
    if (claim.status === 'completed') {
      context.logger.debug(`Skipping duplicate of message ${message.id} (idempotency key ${key}).`);
      return claim.result;
    }

    let result: unknown;
    try {
      result = await next();
    } catch (error) {
      await store.release(key, claim.token).catch((releaseError: unknown) => {
        // The lease still frees the key after lockMs; the retry just waits that long.
        context.logger.warn(`Could not release idempotency key ${key}; it frees itself after ${lockMs} ms.`, {
          error: String(releaseError),
        });
      });
      throw error;
    }
    const completed = await completeWithOneRetry(() =>
      store.complete(key, claim.token, { ttlMs, result: result ?? null }),
    );
    if (completed === 'failed') {
      // The effect happened; failing now would run it again after the lease. Acknowledge, and say
      // that a duplicate arriving after the lease may run once more.
      context.logger.error(
        `Could not record idempotency key ${key} as completed; a later duplicate may run again.`,
      );
      return result;
    }
    if (!completed) {
      context.logger.warn(
        `Idempotency lease for ${key} expired before the handler finished (lockMs ${lockMs}); a duplicate may also have run. Raise lockMs above the handler's longest run.`,
      );
    }
    return result;
  };
  return middleware as Middleware;
}

/** Tries `complete` twice: a store blip right after a successful handler should not re-run it. */
async function completeWithOneRetry(complete: () => Promise<boolean>): Promise<boolean | 'failed'> {
  try {
    return await complete();
  } catch {
    try {
      return await complete();
    } catch {
      return 'failed';
    }
  }
}

function defaultFingerprint(message: Message): string {
  return createHash('sha256')
    .update(message.type)
    .update('\0')
    .update(JSON.stringify(message.data) ?? '')
    .digest('base64url');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
