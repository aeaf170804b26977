import { FailureHeader } from '../message/failure-headers.js';
import type { DeadLetterParent, DeadLetterStore, StoredDeadLetter } from '../transport/dead-letter-store.js';
import type { PurgeOptions, PurgeResult } from './dead-letter-types.js';
import { sweepDeadLetters } from './sweep-dead-letters.js';

const BATCH_SIZE = 100;
const LEASE_MS = 120_000;

/** Deletes dead letters, all or those selected by `ids` and `olderThan`. Deleted is gone. */
export async function purgeDeadLetters(
  store: DeadLetterStore,
  of: DeadLetterParent,
  options: PurgeOptions,
  total: number,
): Promise<PurgeResult> {
  const ids = options.ids ? new Set(options.ids) : undefined;
  const before = options.olderThan?.getTime();
  const outcome = await sweepDeadLetters(store, of, {
    batchSize: BATCH_SIZE,
    leaseMs: LEASE_MS,
    limit: Number.POSITIVE_INFINITY,
    select: (letter) =>
      (ids === undefined || ids.has(letter.message.id)) && (before === undefined || isOlder(letter, before)),
    ...(ids ? { wanted: ids.size } : {}),
    total,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    act: (letters) =>
      Promise.all(
        letters.map((letter) =>
          letter.remove().then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        ),
      ),
  });
  return { purged: outcome.done, skipped: outcome.skipped, failed: outcome.failed, errors: outcome.errors };
}

/** Dead-lettered before `time`, by the failure header or else the broker's own timestamp. */
function isOlder(letter: StoredDeadLetter, time: number): boolean {
  const header = Date.parse(letter.message.attributes[FailureHeader.failedAt] ?? '');
  const at = Number.isNaN(header) ? letter.deadLetteredAt : header;
  // A letter whose age nobody recorded is not known to be older: keep it.
  return at !== undefined && at < time;
}
