import { type Bus, ConfigurationError, createConsoleLogger, type Logger } from '@omnibus/core';
import type pg from 'pg';
import { checkIdentifier, DEFAULT_OUTBOX_TABLE, DEFAULT_SCHEMA, type TableName } from './outbox-tables.js';

/**
 * A `pg` client inside the caller's open transaction (a `PoolClient` after `BEGIN`, or a `Client`).
 * Only `query` is used; the outbox never begins, commits or releases it.
 */
export interface OutboxClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** How the relay paces itself. Every field has a default. */
export interface OutboxRelayOptions {
  /** Most rows one relay transaction locks and sends. @default 100 */
  batchSize?: number;
  /** Longest wait between looks at the table when no notification arrives. @default 1_000 */
  pollIntervalMs?: number;
  /** How long sent rows are kept (for inspection) before they are deleted. @default 1 hour */
  retentionMs?: number;
  /** How often sent rows past the retention are deleted. @default 60_000 */
  cleanupIntervalMs?: number;
  /**
   * Longest `stop()` waits for the batch in flight; after it the batch's connection is closed, its
   * transaction rolls back, and its rows are sent again by the next relay (duplicates with the same
   * ids, never losses). @default 10_000
   */
  stopTimeoutMs?: number;
  /** Longest pause after repeated failures (the pause doubles from 100 ms). @default 30_000 */
  maxBackoffMs?: number;
}

/** Options of `createPostgresOutbox`. */
export interface PostgresOutboxOptions {
  /**
   * The application's pool. The relay takes one connection for LISTEN and one per batch; the
   * outbox never ends the pool.
   */
  pool: pg.Pool;
  /** The bus the relay sends through; its capabilities and `source` also govern what is written. */
  bus: Bus;
  /** The outbox table. @default 'omnibus_outbox' */
  table?: string;
  /** The schema of the outbox (and inbox) tables, created by `migrate()`. @default 'public' */
  schema?: string;
  /** Relay pacing. */
  relay?: OutboxRelayOptions;
  /** Where the relay logs failures. @default warnings and errors to the console */
  logger?: Logger;
}

/** Validated settings. */
export interface OutboxSettings {
  readonly pool: pg.Pool;
  readonly bus: Bus;
  readonly name: TableName;
  readonly relay: Required<OutboxRelayOptions>;
  readonly logger: Logger;
}

const known = new Set(['pool', 'bus', 'table', 'schema', 'relay', 'logger']);
const relayDefaults: Required<OutboxRelayOptions> = {
  batchSize: 100,
  pollIntervalMs: 1_000,
  retentionMs: 3_600_000,
  cleanupIntervalMs: 60_000,
  stopTimeoutMs: 10_000,
  maxBackoffMs: 30_000,
};

/** Checks every option at once and reports every problem in one `ConfigurationError`. */
export function resolveOutboxOptions(options: PostgresOutboxOptions): OutboxSettings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createPostgresOutbox needs { pool, bus }.');
  }
  const problems: string[] = [];
  for (const name of Object.keys(options)) if (!known.has(name)) problems.push(`unknown option '${name}'`);
  const { pool, bus } = options;
  if (!pool || typeof pool.connect !== 'function' || typeof pool.query !== 'function') {
    problems.push('pool must be a pg Pool');
  }
  if (!bus || typeof bus.producer !== 'function' || typeof bus.emit !== 'function') {
    problems.push('bus must be an Omnibus bus from createBus()');
  }
  const name = { schema: DEFAULT_SCHEMA, table: DEFAULT_OUTBOX_TABLE };
  for (const kind of ['schema', 'table'] as const) {
    try {
      name[kind] = checkIdentifier(kind, options[kind] ?? name[kind]);
    } catch (error) {
      problems.push((error as Error).message.replace(/\.$/, ''));
    }
  }
  const relay = { ...relayDefaults };
  for (const [key, value] of Object.entries(options.relay ?? {})) {
    if (!(key in relayDefaults)) {
      problems.push(`unknown relay option '${key}'`);
      continue;
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push(`relay.${key} must be an integer >= 1; got ${String(value)}`);
      continue;
    }
    relay[key as keyof OutboxRelayOptions] = value;
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid outbox options: ${problems.join('; ')}.`);
  return { pool, bus, name, relay, logger: options.logger ?? createConsoleLogger('warn') };
}
