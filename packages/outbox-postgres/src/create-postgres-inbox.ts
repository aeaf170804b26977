import {
  ClosedError,
  ConfigurationError,
  DuplicateInProgressError,
  type Handler,
  type HandlerContext,
  type Logger,
  type Message,
  type MessageInput,
  validateTypedInputs,
} from '@omnibus/core';
import type pg from 'pg';
import type { PostgresOutbox } from './create-postgres-outbox.js';
import { mapPostgresError } from './map-postgres-error.js';
import {
  checkIdentifier,
  DEFAULT_INBOX_TABLE,
  inboxTableSql,
  migrationSql,
  qualified,
  type TableName,
} from './outbox-tables.js';

/** Options of `createPostgresInbox`. */
export interface PostgresInboxOptions {
  /** The outbox whose pool, schema and bus the inbox shares; what handlers send goes into it. */
  outbox: PostgresOutbox;
  /** The inbox table, in the outbox's schema. @default 'omnibus_inbox' */
  table?: string;
  /**
   * The key of a message. @default (message) => message.id
   */
  key?: (message: Message) => string;
  /**
   * Prefix that keeps keys of different consumers apart, so two consumers of one message both run.
   * `false` shares keys across consumers. @default the consumer's queue or `topic/subscription`
   */
  namespace?: string | false;
  /** How long a handled key is remembered. @default 7 days */
  ttlMs?: number;
  /**
   * How long a duplicate waits for the transaction of a copy still being handled before it is handed
   * back for a later retry. @default 5_000
   */
  lockMs?: number;
  /** How often expired keys are deleted (a bounded batch, after a handled message). @default 60_000 */
  purgeIntervalMs?: number;
}

/**
 * The `ctx` of an inbox handler: `db` is the transaction that also holds the message's inbox key,
 * and `send`, `publish` and `emit` write to the outbox in that same transaction (stamped with
 * correlation and causation), so they are sent only if it commits.
 */
export interface InboxContext extends HandlerContext {
  /** The handler's transaction. Do not commit, roll back or release it: the inbox does. */
  readonly db: pg.PoolClient;
}

/** A handler whose database work runs in the inbox transaction. */
export type InboxHandler<T = unknown> = (
  message: Message<T>,
  context: InboxContext,
) => Promise<unknown> | unknown;

/** An inbox: exactly-once effects in PostgreSQL for handlers whose state lives there. */
export interface PostgresInbox {
  /** The schema and table of the inbox. */
  readonly name: TableName;
  /**
   * Wraps a handler: each message runs in one transaction that inserts its key, runs the handler
   * (its writes through `ctx.db`, its messages through `ctx.send`/`publish`/`emit` into the outbox)
   * and commits all of it together. A message whose key is already committed is acknowledged
   * without running; a handler that throws rolls everything back and the message is retried.
   */
  handler<T = unknown>(handler: InboxHandler<T>): Handler<T>;
  /** Creates the inbox table if missing (`inboxTableSql(name)`). */
  migrate(): Promise<void>;
  /** Deletes at most `limit` expired keys; resolves to how many. */
  purgeExpired(limit?: number): Promise<number>;
}

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Creates an inbox beside an outbox.
 *
 * ```ts
 * const inbox = createPostgresInbox({ outbox });
 * await inbox.migrate();
 * bus.consumer('stock.reserve', inbox.handler(async (message, ctx) => {
 *   await ctx.db.query('UPDATE stock SET reserved = reserved + 1 WHERE sku = $1', [message.data.sku]);
 *   await ctx.emit({ type: 'StockReserved', data: message.data });   // an outbox row, same transaction
 * }));
 * ```
 */
export function createPostgresInbox(options: PostgresInboxOptions): PostgresInbox {
  const outbox = options?.outbox;
  if (!outbox || typeof outbox.send !== 'function' || !outbox.settings) {
    throw new ConfigurationError('createPostgresInbox needs { outbox } from createPostgresOutbox().');
  }
  const { pool } = outbox.settings;
  const name: TableName = {
    schema: outbox.name.schema,
    table: checkIdentifier('table', options.table ?? DEFAULT_INBOX_TABLE),
  };
  const table = qualified(name);
  const keyOf = options.key ?? ((message: Message) => message.id);
  const ttlMs = positive('ttlMs', options.ttlMs ?? 7 * 24 * 3_600_000);
  const lockMs = positive('lockMs', options.lockMs ?? 5_000);
  const purgeIntervalMs = positive('purgeIntervalMs', options.purgeIntervalMs ?? 60_000);
  const claimSql = `INSERT INTO ${table} AS existing (key, expires_at)
VALUES ($1, statement_timestamp() + $2::float8 * interval '1 millisecond')
ON CONFLICT (key) DO UPDATE SET handled_at = statement_timestamp(), expires_at = excluded.expires_at
  WHERE existing.expires_at <= statement_timestamp()
RETURNING 1`;
  const purgeSql = `DELETE FROM ${table} WHERE key IN (
  SELECT key FROM ${table} WHERE expires_at <= statement_timestamp()
  ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
)`;
  let lastPurge = Date.now();

  async function purgeExpired(limit = 1_000): Promise<number> {
    try {
      const { rowCount } = await pool.query(purgeSql, [limit]);
      return rowCount ?? 0;
    } catch (error) {
      throw mapPostgresError(error, 'deleting expired inbox keys', table);
    }
  }

  function purgeNowAndThen(log: Logger): void {
    if (Date.now() - lastPurge < purgeIntervalMs) return;
    lastPurge = Date.now();
    purgeExpired().catch((error: unknown) => {
      log.warn(`Could not delete expired keys of ${table}; trying again later.`, { error: String(error) });
    });
  }

  return {
    name,
    purgeExpired,
    async migrate() {
      try {
        await pool.query(migrationSql(inboxTableSql(name)));
      } catch (error) {
        throw mapPostgresError(error, 'creating the inbox table', table);
      }
    },
    handler<T>(handler: InboxHandler<T>): Handler<T> {
      if (typeof handler !== 'function')
        throw new ConfigurationError('inbox.handler needs a handler function.');
      return async (message, context) => {
        const base = keyOf(message as Message);
        if (typeof base !== 'string' || base === '') {
          throw new ConfigurationError(
            `The inbox key function returned ${JSON.stringify(base)} for message ${message.id}; it must return a non-empty string.`,
          );
        }
        const namespace = options.namespace === undefined ? context.origin : options.namespace;
        const key = namespace === false ? base : `${namespace}:${base}`;
        const client = await pool.connect();
        // A connection that breaks mid-transaction emits 'error'; the pending query rejects anyway.
        const ignore = () => {};
        client.on('error', ignore);
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          // A copy being handled holds the key's row lock until it commits; wait for it at most lockMs.
          await client.query(`SET LOCAL lock_timeout = ${Math.ceil(lockMs)}`);
          const claimed = await client.query(claimSql, [key, ttlMs]);
          if (claimed.rowCount === 0) {
            await client.query('ROLLBACK');
            context.logger.debug(`Skipping duplicate of message ${message.id} (inbox key ${key}).`);
            return undefined;
          }
          await client.query('SET LOCAL lock_timeout TO DEFAULT');
          const result = await handler(message, inboxContext(context, message as Message, client, outbox));
          // A handler that timed out or was stopped has been given up on: its work must not commit.
          if (context.signal.aborted) {
            throw context.signal.reason ?? new ClosedError(`Handling of message ${message.id} was aborted.`);
          }
          await client.query('COMMIT');
          purgeNowAndThen(context.logger);
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
          if ((error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE) {
            throw new DuplicateInProgressError(key, Date.now() + lockMs, { cause: error });
          }
          throw error;
        } finally {
          client.removeListener('error', ignore);
          client.release(broken);
        }
      };
    },
  };
}

/** The handler's `ctx`, with `db` and with sends redirected into the outbox in the same transaction. */
function inboxContext(
  context: HandlerContext,
  message: Message,
  db: pg.PoolClient,
  outbox: PostgresOutbox,
): InboxContext {
  const correlationId = message.correlationId ?? message.id;
  const causationId = message.id;
  // Schemas of typed inputs are checked before the copy, which does not carry them along.
  const stamp = async (input: MessageInput | readonly MessageInput[]): Promise<MessageInput[]> =>
    (await validateTypedInputs(Array.isArray(input) ? input : [input as MessageInput])).map((each) => ({
      ...each,
      correlationId: each.correlationId ?? correlationId,
      causationId: each.causationId ?? causationId,
    }));
  return {
    db,
    get signal() {
      return context.signal;
    },
    get logger() {
      return context.logger;
    },
    origin: context.origin,
    async send(queue, input, sendOptions) {
      await outbox.send(db, queue, await stamp(input as MessageInput), sendOptions);
    },
    async publish(topic, input) {
      await outbox.publish(db, topic, await stamp(input as MessageInput));
    },
    async emit(input) {
      await outbox.emit(db, await stamp(input as MessageInput));
    },
  };
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`inbox ${name} must be a positive number; got ${String(value)}.`);
  }
  return value;
}
