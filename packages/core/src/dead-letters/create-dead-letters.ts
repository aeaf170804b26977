import { ConfigurationError, UnsupportedFeatureError } from '../errors/index.js';
import { validatePattern } from '../pattern/index.js';
import type { DeadLetterManagementCapabilities } from '../transport/capabilities.js';
import type { DeadLetterParent, DeadLetterStore } from '../transport/dead-letter-store.js';
import type { Transport } from '../transport/transport.js';
import type {
  DeadLetterCount,
  DeadLetterMessage,
  PeekOptions,
  PurgeOptions,
  PurgeResult,
  RedriveOptions,
  RedriveResult,
} from './dead-letter-types.js';
import { purgeDeadLetters } from './purge-dead-letters.js';
import { readDeadLetter } from './read-dead-letter.js';
import { redriveDeadLetters } from './redrive-dead-letters.js';

/** The management half of `bus.deadLetters(…)`: count, peek, redrive, purge. */
export interface DeadLetterOperations {
  /** How many dead letters there are, flagged approximate where the broker only estimates. */
  count(): Promise<DeadLetterCount>;
  /** Up to `limit` dead letters with their failure envelope, left in place. */
  peek(options?: PeekOptions): Promise<DeadLetterMessage[]>;
  /** Moves dead letters back (or to `to`), each confirmed before its dead letter is removed. */
  redrive(options?: RedriveOptions): Promise<RedriveResult>;
  /** Deletes dead letters: all, or those selected by `ids` and `olderThan`. */
  purge(options?: PurgeOptions): Promise<PurgeResult>;
}

const DEFAULT_PEEK_LIMIT = 10;
const MAX_PEEK_LIMIT = 1_000;

/**
 * Dead-letter operations over a transport's `deadLetterStore`. Options are checked before any I/O;
 * a transport without dead-letter management fails each with `UnsupportedFeatureError`.
 */
export function createDeadLetterOperations(
  transport: Transport,
  of: DeadLetterParent,
  ensureOpen: () => void,
  /** Aborted when the bus closes: a redrive or purge stops after its batch in flight. */
  closed: AbortSignal,
): DeadLetterOperations {
  const stopOn = (signal: AbortSignal | undefined) => (signal ? AbortSignal.any([closed, signal]) : closed);
  const access = (
    operation: string,
  ): { store: DeadLetterStore; management: DeadLetterManagementCapabilities } => {
    ensureOpen();
    const management = transport.capabilities.deadLetterManagement;
    const store = transport.deadLetterStore;
    if (!management || store === undefined) {
      throw new UnsupportedFeatureError(
        `dead-letter ${operation}`,
        'consume the dead letters with bus.deadLetters(…).consume(handler) instead.',
        { transport: transport.name },
      );
    }
    return { store, management };
  };

  return {
    async count() {
      const { store, management } = access('count');
      const count = await store.count(of);
      return { count, accuracy: management.count === 'approximate' ? 'approximate' : 'exact' };
    },
    async peek(options = {}) {
      const limit = checkLimit(options.limit ?? DEFAULT_PEEK_LIMIT, 'peek limit', MAX_PEEK_LIMIT);
      const { store } = access('peek');
      const letters = await store.peek(of, { limit });
      return letters.slice(0, limit).map(readDeadLetter);
    },
    async redrive(options = {}) {
      checkRedriveOptions(options);
      const { store } = access('redrive');
      const total = await store.count(of);
      return redriveDeadLetters(transport, store, of, { ...options, signal: stopOn(options.signal) }, total);
    },
    async purge(options = {}) {
      checkIds(options.ids);
      if (
        options.olderThan !== undefined &&
        !(options.olderThan instanceof Date && !Number.isNaN(options.olderThan.getTime()))
      )
        throw new ConfigurationError('purge: olderThan must be a valid Date.');
      const { store } = access('purge');
      const total = await store.count(of);
      return purgeDeadLetters(store, of, { ...options, signal: stopOn(options.signal) }, total);
    },
  };
}

function checkRedriveOptions(options: RedriveOptions): void {
  if (options.limit !== undefined) checkLimit(options.limit, 'redrive limit', Number.MAX_SAFE_INTEGER);
  checkIds(options.ids);
  if (options.pattern !== undefined) validatePattern(options.pattern);
  if (options.to !== undefined && (typeof options.to !== 'string' || options.to.trim() === ''))
    throw new ConfigurationError(
      `redrive: 'to' must be a non-empty queue name; got ${JSON.stringify(options.to)}.`,
    );
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0))
    throw new ConfigurationError(`redrive: ratePerSecond must be a number > 0; got ${String(rate)}.`);
}

function checkLimit(limit: unknown, what: string, max: number): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max)
    throw new ConfigurationError(`The ${what} must be an integer from 1 to ${max}; got ${String(limit)}.`);
  return limit;
}

function checkIds(ids: unknown): void {
  if (ids === undefined) return;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === ''))
    throw new ConfigurationError('ids must be a non-empty array of message ids.');
}
