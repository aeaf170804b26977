import { type Bus, createBus, type Message } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPostgresInbox,
  createPostgresOutbox,
  type PostgresInbox,
  type PostgresOutbox,
} from '../src/index.js';
import { createPool, postgresUnavailable, postgresUrl, uniqueSchema, waitFor } from './postgres-server.js';

const unavailable = await postgresUnavailable();
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.skipIf(unavailable !== undefined)('PostgreSQL inbox', () => {
  const pool = createPool(postgresUrl, 12);
  const schema = uniqueSchema('inbox');
  let bus: Bus;
  let outbox: PostgresOutbox;
  let inbox: PostgresInbox;

  beforeAll(async () => {
    bus = await createBus({ transport: createMemoryTransport(), source: 'stock', logger: silent });
    outbox = createPostgresOutbox({ pool, bus, schema, relay: { pollIntervalMs: 100 } });
    inbox = createPostgresInbox({ outbox, lockMs: 300 });
    await outbox.migrate();
    await inbox.migrate();
    await pool.query(`CREATE TABLE "${schema}".reservations (order_id text, attempt int)`);
    await outbox.start();
  });
  afterAll(async () => {
    await outbox?.stop();
    await bus?.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  const reservations = async (orderId: string) =>
    (await pool.query(`SELECT attempt FROM "${schema}".reservations WHERE order_id = $1`, [orderId])).rows;
  const outboxRows = async (causationId: string) =>
    (
      await pool.query(
        `SELECT message_id FROM "${schema}".omnibus_outbox WHERE envelope->>'causationId' = $1`,
        [causationId],
      )
    ).rows;

  /** A consumer whose handler reserves stock and emits a follow-up, failing on the attempts listed. */
  const reserveStock = (queue: string, failOn: number[] = [], delayMs = 0) =>
    bus.consumer(
      queue,
      inbox.handler<{ orderId: string }>(async (message, ctx) => {
        await ctx.db.query(`INSERT INTO "${schema}".reservations VALUES ($1, $2)`, [
          message.data.orderId,
          message.attempt,
        ]);
        await ctx.send(`${queue}.reserved`, { type: 'StockReserved', data: message.data });
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (failOn.includes(message.attempt)) throw new Error(`failing attempt ${message.attempt}`);
      }),
      { concurrency: 4, retry: { attempts: 5, backoff: { initialMs: 10, maxMs: 50 } } },
    );

  const followUps = async (queue: string) => {
    const received: Message[] = [];
    const consumer = bus.consumer(`${queue}.reserved`, async (message) => void received.push(message));
    await consumer.start();
    return { received, consumer };
  };

  it('commits the effect, the key and the follow-up once, however often the message arrives', async () => {
    const queue = `inbox-duplicates-${Date.now()}`;
    const { received, consumer: followUp } = await followUps(queue);
    const consumer = reserveStock(queue);
    await consumer.start();
    const message = {
      id: `dup-${Date.now()}`,
      type: 'ReserveStock',
      data: { orderId: 'o-dup' },
      correlationId: 'flow-1',
    };
    await bus.producer(queue).send([message, message, message]);
    await waitFor(async () => received.length >= 1, 'the follow-up');
    // The three copies were all settled: nothing waits on the queue.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await bus.producer(queue).send(message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await consumer.stop();
    await followUp.stop();
    expect(await reservations('o-dup')).toHaveLength(1);
    expect(await outboxRows(message.id)).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ causationId: message.id, correlationId: 'flow-1', source: 'stock' });
  });

  it('rolls back the effect and the follow-up of a failed attempt; the retry commits once', async () => {
    const queue = `inbox-failure-${Date.now()}`;
    const { received, consumer: followUp } = await followUps(queue);
    const consumer = reserveStock(queue, [1, 2]);
    await consumer.start();
    const id = `fail-${Date.now()}`;
    await bus.producer(queue).send({ id, type: 'ReserveStock', data: { orderId: 'o-fail' } });
    await waitFor(() => received.length === 1, 'the follow-up of the third attempt');
    await consumer.stop();
    await followUp.stop();
    expect(await reservations('o-fail')).toEqual([{ attempt: 3 }]);
    expect(await outboxRows(id)).toHaveLength(1);
  });

  it('runs concurrent copies one after the other, so the effect commits once', async () => {
    const queue = `inbox-concurrent-${Date.now()}`;
    const { received, consumer: followUp } = await followUps(queue);
    // Each copy holds its transaction for 100 ms: the second copy waits on the key's row lock.
    const consumer = reserveStock(queue, [], 100);
    await consumer.start();
    const message = {
      id: `concurrent-${Date.now()}`,
      type: 'ReserveStock',
      data: { orderId: 'o-concurrent' },
    };
    await bus.producer(queue).send([message, message, message, message]);
    await waitFor(() => received.length >= 1, 'the follow-up');
    await new Promise((resolve) => setTimeout(resolve, 800));
    await consumer.stop();
    await followUp.stop();
    expect(await reservations('o-concurrent')).toHaveLength(1);
    expect(received).toHaveLength(1);
  });

  it('never commits the work of a handler that timed out', async () => {
    const queue = `inbox-timeout-${Date.now()}`;
    let attempts = 0;
    const consumer = bus.consumer(
      queue,
      inbox.handler<{ orderId: string }>(async (message, ctx) => {
        attempts++;
        await ctx.db.query(`INSERT INTO "${schema}".reservations VALUES ($1, $2)`, [
          message.data.orderId,
          message.attempt,
        ]);
        if (message.attempt === 1) await new Promise((resolve) => setTimeout(resolve, 400));
      }),
      { handlerTimeoutMs: 150, retry: { attempts: 3, backoff: { initialMs: 10, maxMs: 20 } } },
    );
    await consumer.start();
    await bus.producer(queue).send({ type: 'ReserveStock', data: { orderId: 'o-timeout' } });
    await waitFor(
      async () => (await reservations('o-timeout')).length > 0 && attempts >= 2,
      'the retry to commit',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.stop();
    // The first attempt's transaction rolled back when its handler finally returned; a later
    // attempt (the second, or the third if the second found the first still holding the key)
    // committed, once.
    const rows = await reservations('o-timeout');
    expect(rows).toHaveLength(1);
    expect(rows[0].attempt).toBeGreaterThan(1);
  });

  it('deletes expired keys, after which the key is new again', async () => {
    const shortLived = createPostgresInbox({ outbox, table: 'short_inbox', ttlMs: 1 });
    await shortLived.migrate();
    const handler = shortLived.handler(async () => {});
    const context = {
      origin: 'direct',
      signal: new AbortController().signal,
      logger: silent,
      send: async () => {},
      publish: async () => {},
      emit: async () => {},
    };
    const message = { id: 'expiring', type: 'T', source: 's', time: '', data: null, headers: {}, attempt: 1 };
    await handler(message, context);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await shortLived.purgeExpired()).toBe(1);
    expect(await shortLived.purgeExpired()).toBe(0);
  });
});
