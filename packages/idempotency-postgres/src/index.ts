/**
 * @omnibus/idempotency-postgres — a durable, shared `IdempotencyStore` in one PostgreSQL table for
 * the `idempotency()` middleware of `@omnibus/core`.
 */
export { PostgresIdempotencyStore, type PurgeExpiredOptions } from './postgres-idempotency-store.js';
export type {
  PostgresIdempotencyStoreOptions,
  PostgresQueryable,
  PostgresQueryResult,
} from './postgres-idempotency-store-options.js';
export { DEFAULT_TABLE, idempotencyTableSql } from './idempotency-table-sql.js';
export { createIdempotencyStatements, type IdempotencyStatements } from './idempotency-statements.js';
