import type { DeadLetterParent, DeadLetterStore, LeasedDeadLetter } from '../transport/dead-letter-store.js';
import type { DeadLetterProgress } from './dead-letter-types.js';

/** What one sweep does with the letters it selected in one batch. */
export interface SweepSpec {
  readonly batchSize: number;
  /**
   * How long each receive leases its letters. Letters that are skipped stay leased until the sweep
   * ends, so the broker does not hand them out again; a lease that outlives the process expires.
   */
  readonly leaseMs: number;
  /** Most letters to act on; the rest are skipped. */
  readonly limit: number;
  /** Whether to act on a letter (false: skipped, left in place). */
  select(letter: LeasedDeadLetter): boolean;
  /** When every wanted letter was found (ids given): the sweep can stop early. */
  readonly wanted?: number;
  /**
   * Acts on a batch of selected letters and settles each: resolves with `undefined` for a letter
   * done (moved or deleted) and the error for one that failed (the sweep releases it).
   */
  act(letters: readonly LeasedDeadLetter[]): Promise<(Error | undefined)[]>;
  readonly total: number;
  readonly onProgress?: (progress: DeadLetterProgress) => void;
  readonly signal?: AbortSignal;
}

/** Counts of a finished sweep. */
export interface SweepOutcome {
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  readonly errors: readonly string[];
}

/**
 * Leases dead letters batch by batch and hands the selected ones to `act`, until none is left, the
 * limit is reached or the signal aborts. Skipped and failed letters are released only at the end,
 * so a broker that hands out whatever is unleased never returns them twice in one sweep.
 */
export async function sweepDeadLetters(
  store: DeadLetterStore,
  of: DeadLetterParent,
  spec: SweepSpec,
): Promise<SweepOutcome> {
  const held: LeasedDeadLetter[] = [];
  const seenSkipped = new Set<string>();
  const actedOn = new Set<string>();
  const errors = new Map<string, number>();
  let done = 0;
  let skipped = 0;
  let failed = 0;
  const report = () => spec.onProgress?.({ done, skipped, failed, total: spec.total });
  try {
    while (!spec.signal?.aborted && done + failed < spec.limit) {
      if (spec.wanted !== undefined && done + failed >= spec.wanted) break;
      const batch = await store.receive(of, {
        limit: Math.min(spec.batchSize, spec.limit - done - failed),
        leaseMs: spec.leaseMs,
      });
      if (batch.length === 0) break;
      const selected: LeasedDeadLetter[] = [];
      let fresh = false;
      for (const letter of batch) {
        // A letter this sweep already moved that is back (it failed again at once) is left for
        // the next sweep: moving it again would make a hot loop.
        const back = actedOn.has(letter.message.id);
        if (!back && done + failed + selected.length < spec.limit && spec.select(letter)) {
          selected.push(letter);
          fresh = true;
          continue;
        }
        held.push(letter);
        // A letter seen again means its lease ran out while held: the broker is cycling.
        if (!seenSkipped.has(letter.message.id)) {
          seenSkipped.add(letter.message.id);
          skipped++;
          fresh = true;
        }
      }
      if (selected.length > 0) {
        for (const letter of selected) actedOn.add(letter.message.id);
        const outcomes = await spec.act(selected);
        for (let index = 0; index < selected.length; index++) {
          const error = outcomes[index];
          if (error === undefined) {
            done++;
            continue;
          }
          failed++;
          held.push(selected[index]!);
          const line = `${error.name}: ${error.message}`;
          errors.set(line, (errors.get(line) ?? 0) + 1);
        }
      }
      report();
      if (!fresh) break;
    }
  } finally {
    // Released even when the sweep fails or is aborted: a skipped letter is never left hidden.
    // Last first, so brokers that put a released letter at the front keep the original order.
    await Promise.allSettled(held.reverse().map((letter) => letter.release()));
  }
  return {
    done,
    skipped,
    failed,
    errors: [...errors].map(([line, count]) => (count > 1 ? `${line} (${count} letters)` : line)),
  };
}
