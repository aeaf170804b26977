import { ConfigurationError } from '@omnibus/core';

/** The default schema of the outbox and inbox tables. */
export const DEFAULT_SCHEMA = 'public';
/** The default outbox table name. */
export const DEFAULT_OUTBOX_TABLE = 'omnibus_outbox';
/** The default inbox table name. */
export const DEFAULT_INBOX_TABLE = 'omnibus_inbox';

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Where a table lives: a schema and a table name, both plain identifiers. */
export interface TableName {
  readonly schema: string;
  readonly table: string;
}

/**
 * Checks a schema or table name. Only plain identifiers (letters, digits, underscores, at most 63
 * characters) are accepted, so a name can never inject SQL; they are still quoted when used.
 */
export function checkIdentifier(kind: 'schema' | 'table', name: unknown): string {
  if (typeof name !== 'string' || !identifier.test(name)) {
    throw new ConfigurationError(
      `The outbox ${kind} must be a plain name like 'omnibus_outbox' (letters, digits, underscores, at most 63 characters); got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}

/** `"schema"."table"`, ready for SQL. */
export function qualified(name: TableName): string {
  return `"${name.schema}"."${name.table}"`;
}

/** The LISTEN/NOTIFY channel on which writers wake relays of one outbox table. */
export function notifyChannel(name: TableName): string {
  return `${name.schema}.${name.table}`;
}

/**
 * The DDL of the outbox table and its indexes, for `outbox.migrate()` and for teams that run their
 * own migrations. Idempotent.
 *
 * - `position` orders rows: writers of the same ordering key are serialised, so for each key it is
 *   also the commit order, and relays send each key's rows in that order;
 * - `destination_kind` and `destination` say where the row goes (`queue` / `topic` and its name, or
 *   `event` for the bus's rules); `ordering` is the producer's ordering request;
 * - `envelope` is the message with its id, time, source, correlation and causation fixed at write
 *   time (`json` keeps it byte for byte), so a row sent twice is the same message twice;
 * - `available_at` holds delayed messages back until they are due;
 * - `sent_at` is set once the transport confirmed the row; sent rows are deleted after the
 *   retention period;
 * - `attempts` and `last_error` record failed relay attempts.
 */
export function outboxTableSql(
  name: TableName = { schema: DEFAULT_SCHEMA, table: DEFAULT_OUTBOX_TABLE },
): string {
  const table = qualified(name);
  const index = (suffix: string) => `"${name.table}_${suffix}"`;
  return `CREATE SCHEMA IF NOT EXISTS "${name.schema}";
CREATE TABLE IF NOT EXISTS ${table} (
  position         bigserial   PRIMARY KEY,
  message_id       text        NOT NULL,
  destination_kind text        NOT NULL CHECK (destination_kind IN ('queue', 'topic', 'event')),
  destination      text,
  ordering         text        NOT NULL DEFAULT 'none' CHECK (ordering IN ('key', 'none')),
  ordering_key     text,
  envelope         json        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT statement_timestamp(),
  available_at     timestamptz NOT NULL DEFAULT statement_timestamp(),
  sent_at          timestamptz,
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text
);
CREATE INDEX IF NOT EXISTS ${index('unsent')} ON ${table} (position) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index('unsent_due')} ON ${table} (available_at) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index('unsent_key')} ON ${table} (ordering_key, position)
  WHERE sent_at IS NULL AND ordering_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${index('sent')} ON ${table} (sent_at) WHERE sent_at IS NOT NULL;`;
}

/**
 * The DDL of the inbox table: one row per handled message key, written in the handler's
 * transaction and kept until `expires_at`. Idempotent.
 */
export function inboxTableSql(
  name: TableName = { schema: DEFAULT_SCHEMA, table: DEFAULT_INBOX_TABLE },
): string {
  const table = qualified(name);
  return `CREATE SCHEMA IF NOT EXISTS "${name.schema}";
CREATE TABLE IF NOT EXISTS ${table} (
  key          text        PRIMARY KEY,
  fingerprint  text,
  handled_at   timestamptz NOT NULL DEFAULT statement_timestamp(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${name.table}_expires_at" ON ${table} (expires_at);`;
}

/**
 * Runs DDL under a transaction-scoped advisory lock, so several instances migrating at once do not
 * race on the catalog (`CREATE ... IF NOT EXISTS` alone can).
 */
export function migrationSql(ddl: string): string {
  return `DO $migrate$ BEGIN
PERFORM pg_advisory_xact_lock(hashtext('omnibus-outbox-migrate'));
${ddl}
END $migrate$`;
}
