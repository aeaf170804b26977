import { ConfigurationError, type MessageInput } from '@omnibus/core';
import { mapPostgresError } from './map-postgres-error.js';
import {
  type OutboxClient,
  type OutboxSettings,
  type PostgresOutboxOptions,
  resolveOutboxOptions,
} from './outbox-options.js';
import { createOutboxRelay, type OutboxRelay } from './outbox-relay.js';
import { createOutboxStatements } from './outbox-statements.js';
import { migrationSql, outboxTableSql, qualified, type TableName } from './outbox-tables.js';
import { writeOutbox } from './write-outbox.js';

/** Options of `outbox.send`. */
export interface OutboxSendOptions {
  /**
   * Hold the message in the outbox until this many milliseconds after the write. The relay sends
   * it when it is due, so the delay works on every transport and is not bounded by the broker's.
   */
  delayMs?: number;
  /** Ask for per-key ordering on the queue (the transport must support `ordering: 'key'`). */
  ordering?: 'key' | 'none';
}

/**
 * A transactional outbox: messages are written in the caller's transaction and sent by a relay
 * only once that transaction has committed.
 */
export interface PostgresOutbox extends OutboxRelay {
  /** The schema and table of the outbox. */
  readonly name: TableName;
  /** The validated settings (pool, bus, pacing), for the inbox that writes to this outbox. */
  readonly settings: OutboxSettings;
  /**
   * Writes messages for a queue in the transaction of `client`. Validated as `producer.send` would
   * (schema, envelope, size, ordering) before anything is written; id, time and source are fixed
   * now. Resolves to the message ids.
   */
  send<T>(
    client: OutboxClient,
    queue: string,
    message: MessageInput<T> | readonly MessageInput<T>[],
    options?: OutboxSendOptions,
  ): Promise<readonly string[]>;
  /** Writes messages for a topic in the transaction of `client`. */
  publish<T>(
    client: OutboxClient,
    topic: string,
    message: MessageInput<T> | readonly MessageInput<T>[],
  ): Promise<readonly string[]>;
  /** Writes events for the bus's rules in the transaction of `client`. */
  emit<T>(
    client: OutboxClient,
    event: MessageInput<T> | readonly MessageInput<T>[],
  ): Promise<readonly string[]>;
  /** Creates the schema, the outbox table and its indexes if missing (`outboxTableSql(name)`). */
  migrate(): Promise<void>;
}

/**
 * Creates a transactional outbox over a pg pool and a bus. Construction validates the options and
 * does no I/O.
 *
 * ```ts
 * const outbox = createPostgresOutbox({ pool, bus });
 * await outbox.migrate();
 * await outbox.start();                       // or run the relay as its own process
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * await client.query('UPDATE stock SET reserved = reserved + $1 WHERE sku = $2', [2, 'sku-1']);
 * await outbox.emit(client, { type: 'StockReserved', data: { orderId } });
 * await client.query('COMMIT');               // the event is sent only if this commits
 * client.release();
 * ```
 */
export function createPostgresOutbox(options: PostgresOutboxOptions): PostgresOutbox {
  const settings = resolveOutboxOptions(options);
  const { name, bus } = settings;
  const statements = createOutboxStatements(name);
  const relay = createOutboxRelay(settings, statements);
  const write = (
    client: OutboxClient,
    destination: Parameters<typeof writeOutbox>[4],
    message: MessageInput | readonly MessageInput[],
    delayMs?: number,
  ) => writeOutbox(client, bus, name, statements, destination, asList(message), delayMs);

  return {
    name,
    settings,
    get running() {
      return relay.running;
    },
    start: () => relay.start(),
    stop: () => relay.stop(),
    relayBatch: () => relay.relayBatch(),
    purgeSent: () => relay.purgeSent(),
    send: (client, queue, message, sendOptions) =>
      write(
        client,
        { kind: 'queue', name: checkName('queue', queue), ordering: sendOptions?.ordering ?? 'none' },
        message as MessageInput | readonly MessageInput[],
        sendOptions?.delayMs,
      ),
    publish: (client, topic, message) =>
      write(client, { kind: 'topic', name: checkName('topic', topic) }, message as MessageInput),
    emit: (client, event) => write(client, { kind: 'event' }, event as MessageInput),
    async migrate() {
      try {
        await settings.pool.query(migrationSql(outboxTableSql(name)));
      } catch (error) {
        throw mapPostgresError(error, 'creating the outbox table', qualified(name));
      }
    },
  };
}

function asList(message: MessageInput | readonly MessageInput[]): readonly MessageInput[] {
  return Array.isArray(message) ? message : [message as MessageInput];
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigurationError(
      `A ${kind} name must be a non-empty string; got ${name === undefined ? 'undefined' : JSON.stringify(name)}.`,
    );
  }
  return name;
}
