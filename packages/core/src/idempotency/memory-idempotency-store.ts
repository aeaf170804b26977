import { IdempotencyConflictError } from '../errors/index.js';
import type { ClaimOptions, ClaimResult, CompleteOptions, IdempotencyStore } from './idempotency-store.js';

/** Entries examined for expiry per claim. */
const SWEEP_STEP = 4;

interface Entry {
  state: 'in-progress' | 'completed';
  token: string;
  expiresAt: number;
  fingerprint: string | undefined;
  result: unknown;
}

export interface MemoryIdempotencyStoreOptions {
  /** The time source, for tests that advance time. @default Date.now */
  now?: () => number;
}

/**
 * An idempotency store in process memory: for tests, single-process services and the in-memory
 * transport. Keys live as long as the process; use a Redis or PostgreSQL store to share keys between
 * instances and survive restarts.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #sweeper: Iterator<[string, Entry]> | undefined;
  // Tokens only need to be unique within this store, so a counter does (and costs no entropy).
  #nextToken = 0;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const now = this.#now();
    this.#sweepOccasionally(now);
    const existing = this.#entries.get(key);
    if (existing && existing.expiresAt > now) {
      if (
        options.fingerprint !== undefined &&
        existing.fingerprint !== undefined &&
        existing.fingerprint !== options.fingerprint
      ) {
        throw new IdempotencyConflictError(key);
      }
      return existing.state === 'completed'
        ? { status: 'completed', result: existing.result }
        : { status: 'in-progress', expiresAt: existing.expiresAt };
    }
    const token = String(++this.#nextToken);
    this.#entries.set(key, {
      state: 'in-progress',
      token,
      expiresAt: now + options.lockMs,
      fingerprint: options.fingerprint,
      result: undefined,
    });
    return { status: 'claimed', token };
  }

  async complete(key: string, token: string, options: CompleteOptions): Promise<boolean> {
    const entry = this.#entries.get(key);
    if (!entry || entry.token !== token) return false;
    entry.state = 'completed';
    entry.expiresAt = this.#now() + options.ttlMs;
    entry.result = options.result;
    return true;
  }

  async release(key: string, token: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry && entry.token === token && entry.state === 'in-progress') this.#entries.delete(key);
  }

  /** How many keys are remembered (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#entries.size;
  }

  // Expired keys are purged a few at a time on each claim, walking the map with one long-lived
  // iterator: memory stays bounded with no timer to keep the process alive, and no claim ever pays
  // for a sweep of the whole map.
  #sweepOccasionally(now: number): void {
    for (let examined = 0; examined < SWEEP_STEP; examined++) {
      this.#sweeper ??= this.#entries.entries();
      const next = this.#sweeper.next();
      if (next.done) {
        this.#sweeper = undefined;
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
