import { ConfigurationError } from '@omnibus/core';

/** The default table name. */
export const DEFAULT_TABLE = 'omnibus_idempotency';

/**
 * Quotes a table name, optionally schema-qualified (`billing.idempotency_keys`), for SQL. Only
 * plain identifiers are accepted, so the name can never inject SQL.
 */
export function quoteTableName(table: string): string {
  if (
    typeof table !== 'string' ||
    !/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/.test(table)
  ) {
    throw new ConfigurationError(
      `PostgresIdempotencyStore table must be a name like 'omnibus_idempotency' or 'schema.table' (letters, digits, underscores); got ${JSON.stringify(table)}.`,
    );
  }
  return table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

/**
 * The DDL of the store's one table and its index, for `migrate()` and for teams that manage their
 * own schema (run it once in your migration tool). Idempotent.
 *
 * - `key` is the idempotency key (namespaced by the middleware), the primary key;
 * - `state` is `in-progress` while a handler holds the lease, `completed` afterwards;
 * - `token` proves ownership for complete and release;
 * - `expires_at` is the end of the lease, then the end of the ttl: rows past it are ignored by
 *   claims and deleted by `purgeExpired()`;
 * - `result` is the handler's result as JSON text (`json` keeps it byte for byte).
 */
export function idempotencyTableSql(table: string = DEFAULT_TABLE): string {
  const quoted = quoteTableName(table);
  const indexName = `"${table.split('.').pop()}_expires_at"`;
  return `CREATE TABLE IF NOT EXISTS ${quoted} (
  key         text        PRIMARY KEY,
  state       text        NOT NULL CHECK (state IN ('in-progress', 'completed')),
  token       text        NOT NULL,
  fingerprint text,
  result      json,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${indexName} ON ${quoted} (expires_at);`;
}
