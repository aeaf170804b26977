import { type BusOptions, ConfigurationError, createBus, type Logger } from '@omnibus/core';
import pg from 'pg';
import { createPostgresOutbox, type PostgresOutbox } from './create-postgres-outbox.js';
import type { OutboxRelayOptions } from './outbox-options.js';

/** Options of `runOutboxRelay`: a relay that owns its pool and its bus. */
export interface RunOutboxRelayOptions {
  /** Where the outbox table is, e.g. `postgres://app@db:5432/app`. */
  connectionString: string;
  /** The transport URL (or instance) the relay sends through, as for `createBus`. */
  transport: BusOptions['transport'];
  /** The bus `source`; only stamped on rows written without one (none: the outbox fixes it). */
  source?: string;
  /** The outbox table. @default 'omnibus_outbox' */
  table?: string;
  /** The outbox schema. @default 'public' */
  schema?: string;
  /** Relay pacing. */
  relay?: OutboxRelayOptions;
  /** Run `migrate()` before starting. @default false */
  migrate?: boolean;
  /** Connections of the relay's pool (one listens, one relays a batch). @default 3 */
  maxConnections?: number;
  logger?: Logger;
}

/** A relay running on its own pool and bus. */
export interface RunningOutboxRelay {
  readonly outbox: PostgresOutbox;
  /** Stops the relay (bounded by `stopTimeoutMs`), closes the bus and ends the pool. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an outbox relay as a unit of its own (a process, a sidecar): it opens a pool and a bus,
 * starts relaying, and `stop()` takes both down. The `omnibus-outbox-relay` command runs this.
 */
export async function runOutboxRelay(options: RunOutboxRelayOptions): Promise<RunningOutboxRelay> {
  if (
    typeof options?.connectionString !== 'string' ||
    !/^postgres(ql)?:\/\//.test(options.connectionString)
  ) {
    throw new ConfigurationError(
      'runOutboxRelay needs connectionString: postgres://user@host:5432/database.',
    );
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 3,
    connectionTimeoutMillis: 5_000,
  });
  // Errors of idle connections arrive as events; queries on them reject on their own.
  pool.on('error', () => {});
  const bus = await createBus({
    transport: options.transport,
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  }).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const outbox = createPostgresOutbox({
    pool,
    bus,
    ...(options.table === undefined ? {} : { table: options.table }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.relay === undefined ? {} : { relay: options.relay }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  if (options.migrate) await outbox.migrate();
  await outbox.start();
  let stopping: Promise<void> | undefined;
  return {
    outbox,
    stop() {
      stopping ??= (async () => {
        await outbox.stop();
        await bus.close();
        await pool.end();
      })();
      return stopping;
    },
  };
}
