import { randomUUID } from 'node:crypto';
import {
  type ClaimOptions,
  type ClaimResult,
  type CompleteOptions,
  ClosedError,
  ConfigurationError,
  IdempotencyConflictError,
  type IdempotencyStore,
} from '@omnibus/core';
import pg from 'pg';
import { createIdempotencyStatements, type IdempotencyStatements } from './idempotency-statements.js';
import { idempotencyTableSql } from './idempotency-table-sql.js';
import { mapPostgresError } from './map-postgres-error.js';
import {
  type PostgresIdempotencyStoreOptions,
  type PostgresQueryable,
  resolvePostgresIdempotencyStoreOptions,
} from './postgres-idempotency-store-options.js';

interface ClaimRow {
  claimed: boolean;
  state: 'in-progress' | 'completed';
  fingerprint: string | null;
  result: string | null;
  remaining_ms: number;
}

export interface PurgeExpiredOptions {
  /** Most rows deleted by this call. @default 1_000 */
  limit?: number;
}

/**
 * An `IdempotencyStore` in one PostgreSQL table, shared by every instance of a service and
 * surviving restarts. Claim is one `INSERT ... ON CONFLICT DO UPDATE` that inserts the key or takes
 * over an expired lease and returns the row either way; complete and release are one statement
 * each, matched on the claim's token. No statement runs inside a transaction of the store's, so no
 * lock outlives its statement.
 *
 * ```ts
 * const store = new PostgresIdempotencyStore({ connectionString: 'postgres://app@db:5432/app' });
 * await store.migrate(); // or create the table with your own migrations (see the README)
 * bus.consumer('payments.authorize', charge, { middleware: [idempotency({ store })] });
 * ```
 *
 * Expired rows are ignored by claims at once and deleted by `purgeExpired()` in bounded batches;
 * call it on a schedule. Construction validates the options and does no I/O.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly #table: string;
  readonly #statements: IdempotencyStatements;
  readonly #given: PostgresQueryable | undefined;
  readonly #connectionString: string | undefined;
  readonly #maxConnections: number;
  #own: pg.Pool | undefined;
  #closed = false;

  constructor(options: PostgresIdempotencyStoreOptions) {
    const settings = resolvePostgresIdempotencyStoreOptions(options);
    this.#table = settings.table;
    this.#statements = createIdempotencyStatements(settings.table);
    this.#given = settings.pool;
    this.#connectionString = settings.connectionString;
    this.#maxConnections = settings.maxConnections;
  }

  /** Creates the table and its index if they do not exist (`idempotencyTableSql(table)`). */
  async migrate(): Promise<void> {
    // A transaction-scoped advisory lock serialises concurrent migrations of several instances
    // (CREATE ... IF NOT EXISTS alone can still race on the catalog).
    await this.#query(
      `DO $migrate$ BEGIN
PERFORM pg_advisory_xact_lock(hashtext('omnibus-idempotency-migrate'));
${idempotencyTableSql(this.#table)}
END $migrate$`,
      [],
      'creating the idempotency table',
    );
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const token = randomUUID();
    const { rows } = await this.#query(
      this.#statements.claim,
      [key, token, options.fingerprint ?? null, milliseconds(options.lockMs, 'lockMs')],
      `claiming '${key}'`,
    );
    const row = rows[0] as ClaimRow | undefined;
    if (!row)
      throw mapPostgresError(new Error('the claim returned no row'), `claiming '${key}'`, this.#table);
    if (row.claimed) return { status: 'claimed', token };
    if (
      options.fingerprint !== undefined &&
      row.fingerprint !== null &&
      row.fingerprint !== options.fingerprint
    ) {
      throw new IdempotencyConflictError(key);
    }
    return row.state === 'completed'
      ? { status: 'completed', result: row.result === null ? undefined : JSON.parse(row.result) }
      : { status: 'in-progress', expiresAt: Date.now() + Math.max(0, Number(row.remaining_ms)) };
  }

  async complete(key: string, token: string, options: CompleteOptions): Promise<boolean> {
    const { rowCount } = await this.#query(
      this.#statements.complete,
      [key, token, encodeResult(key, options.result), milliseconds(options.ttlMs, 'ttlMs')],
      `completing '${key}'`,
    );
    return rowCount === 1;
  }

  async release(key: string, token: string): Promise<void> {
    await this.#query(this.#statements.release, [key, token], `releasing '${key}'`);
  }

  /**
   * Deletes at most `limit` rows whose lease or ttl has ended, in one short statement that skips
   * rows other sessions hold, and resolves to how many it deleted. Call it on a schedule, and again
   * at once while it returns `limit`.
   */
  async purgeExpired(options: PurgeExpiredOptions = {}): Promise<number> {
    const limit = options.limit ?? 1_000;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigurationError(`purgeExpired limit must be a positive integer; got ${String(limit)}.`);
    }
    const { rowCount } = await this.#query(this.#statements.purgeExpired, [limit], 'purging expired keys');
    return rowCount ?? 0;
  }

  /** Ends the store's own pool (never a pool it was given). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const own = this.#own;
    this.#own = undefined;
    await own?.end();
  }

  async #query(text: string, values: unknown[], action: string) {
    if (this.#closed) throw new ClosedError('The PostgresIdempotencyStore is closed; create a new one.');
    try {
      return await this.#pool().query(text, values);
    } catch (error) {
      throw mapPostgresError(error, action, this.#table);
    }
  }

  #pool(): PostgresQueryable {
    if (this.#given) return this.#given;
    if (!this.#own) {
      this.#own = new pg.Pool({
        connectionString: this.#connectionString,
        max: this.#maxConnections,
        connectionTimeoutMillis: 5_000,
      });
      // pg reports errors of idle connections as 'error' events; queries on a broken connection
      // reject on their own, and the pool replaces the connection.
      this.#own.on('error', () => {});
    }
    return this.#own;
  }
}

function milliseconds(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `PostgresIdempotencyStore: ${name} must be a positive number; got ${value}.`,
    );
  }
  return value;
}

// `undefined` is stored as SQL NULL and `null` as JSON null, so the two round-trip apart.
function encodeResult(key: string, result: unknown): string | null {
  if (result === undefined) return null;
  try {
    return JSON.stringify(result) ?? null;
  } catch (error) {
    throw new ConfigurationError(`The result stored for idempotency key '${key}' is not JSON-serialisable.`, {
      cause: error,
    });
  }
}
