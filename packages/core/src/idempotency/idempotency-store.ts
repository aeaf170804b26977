/**
 * Where the idempotency middleware remembers which messages were handled. Implementations must make
 * `claim` atomic: of any number of concurrent claims of one key, exactly one wins.
 *
 * Lifecycle of a key: `claim` (with a lease of `lockMs`) → the handler runs → `complete` (remember
 * for `ttlMs`) on success, or `release` on failure so the retry can claim it again. A lease that
 * runs out (the handler's process crashed) frees the key for the next claimer.
 *
 * Keys are chosen by the caller (the message id by default), never derived from a payload hash.
 */
export interface IdempotencyStore {
  /**
   * Tries to take `key` for `lockMs`. Resolves to:
   * - `{ status: 'claimed', token }` — the caller runs the handler; `token` proves ownership later;
   * - `{ status: 'completed', result }` — handled before; `result` is what `complete` stored;
   * - `{ status: 'in-progress', expiresAt }` — another holder's lease runs until `expiresAt`
   *   (epoch milliseconds).
   * When `options.fingerprint` is given and differs from the one stored with the key, rejects
   * with `IdempotencyConflictError` (same key, different payload).
   */
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;

  /**
   * Marks `key` handled for `ttlMs`, storing `result` (JSON-serialisable, may be undefined).
   * Resolves `false` when `token` no longer owns the key, so the caller knows another run may also
   * have happened. A store may answer `false` as soon as the lease expired (Redis: the key is gone)
   * or only once another claimer took it over (memory, PostgreSQL); both are correct.
   */
  complete(key: string, token: string, options: CompleteOptions): Promise<boolean>;

  /** Gives the key up after a failed attempt, if `token` still owns it. Resolves either way. */
  release(key: string, token: string): Promise<void>;

  /** Closes connections the store opened itself. Idempotent. */
  close?(): Promise<void>;
}

export interface ClaimOptions {
  /** How long the claim blocks other claimers if never completed or released. */
  readonly lockMs: number;
  /** A fingerprint of the payload, stored with the key, for conflict detection. */
  readonly fingerprint?: string;
}

export interface CompleteOptions {
  /** How long a completed key is remembered. */
  readonly ttlMs: number;
  /** The handler's result, returned to duplicates. */
  readonly result?: unknown;
}

export type ClaimResult =
  | { readonly status: 'claimed'; readonly token: string }
  | { readonly status: 'completed'; readonly result: unknown }
  | { readonly status: 'in-progress'; readonly expiresAt: number };
