import { ConfigurationError } from '@omnibus/core';
import { DEFAULT_TABLE, quoteTableName } from './idempotency-table-sql.js';

/** What a query resolves to, as pg gives it. */
export interface PostgresQueryResult {
  rows: unknown[];
  rowCount: number | null;
}

/**
 * The part of a pg `Pool` the store uses (a `pg.Pool`, or anything with the same `query`). Each
 * statement is sent on its own, never inside a transaction of the store's.
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
}

/** Options of `new PostgresIdempotencyStore()`. Give `pool` or `connectionString`. */
export interface PostgresIdempotencyStoreOptions {
  /** A pool of yours to share (e.g. `new pg.Pool(...)`). The store never ends it. */
  pool?: PostgresQueryable;
  /**
   * Where PostgreSQL is, e.g. `postgres://user@host:5432/db`; the store opens its own pool on
   * first use and ends it in `close()`.
   */
  connectionString?: string;
  /**
   * The table, optionally schema-qualified. Created by `migrate()`, or by your own migrations with
   * the SQL of `idempotencyTableSql(table)`.
   * @default 'omnibus_idempotency'
   */
  table?: string;
  /** Connections of the store's own pool. @default 10 */
  maxConnections?: number;
}

/** Validated settings. */
export interface PostgresIdempotencyStoreSettings {
  readonly pool: PostgresQueryable | undefined;
  readonly connectionString: string | undefined;
  readonly table: string;
  readonly maxConnections: number;
}

const known = new Set(['pool', 'connectionString', 'table', 'maxConnections']);

/** Checks every option at once and reports every problem in one `ConfigurationError`. */
export function resolvePostgresIdempotencyStoreOptions(
  options: PostgresIdempotencyStoreOptions,
): PostgresIdempotencyStoreSettings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      `PostgresIdempotencyStore: options must be an object with pool or connectionString; got ${String(options)}.`,
    );
  }
  const problems: string[] = [];
  for (const name of Object.keys(options)) if (!known.has(name)) problems.push(`unknown option '${name}'`);
  const { pool, connectionString } = options;
  if (pool !== undefined && connectionString !== undefined) {
    problems.push('give either pool or connectionString, not both');
  }
  if (pool === undefined && connectionString === undefined) {
    problems.push('give pool (a pg Pool) or connectionString (postgres://user@host:5432/database)');
  }
  if (pool !== undefined && (pool === null || typeof pool.query !== 'function')) {
    problems.push('pool must be a pg Pool (an object with query())');
  }
  if (
    connectionString !== undefined &&
    (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString))
  ) {
    problems.push('connectionString must start with postgres:// or postgresql://');
  }
  const table = options.table ?? DEFAULT_TABLE;
  try {
    quoteTableName(table);
  } catch (error) {
    problems.push((error as Error).message.replace(/^PostgresIdempotencyStore /, '').replace(/\.$/, ''));
  }
  const maxConnections = options.maxConnections ?? 10;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    problems.push(`maxConnections must be a positive integer; got ${String(maxConnections)}`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid PostgresIdempotencyStore options: ${problems.join('; ')}.`);
  }
  return { pool, connectionString, table, maxConnections };
}
