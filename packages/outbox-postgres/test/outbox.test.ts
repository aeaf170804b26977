import {
  type Bus,
  createBus,
  type Message,
  MessageTooLargeError,
  UnsupportedFeatureError,
} from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresOutbox, type PostgresOutbox } from '../src/index.js';
import {
  createPool,
  inTransaction,
  postgresUnavailable,
  postgresUrl,
  uniqueSchema,
  waitFor,
} from './postgres-server.js';

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)('PostgreSQL outbox on the memory transport', () => {
  const pool = createPool(postgresUrl, 12);
  const schema = uniqueSchema('memory');
  let bus: Bus;
  let outbox: PostgresOutbox;

  beforeAll(async () => {
    bus = await createBus({ transport: createMemoryTransport({ maxMessageBytes: 4_096 }), source: 'stock' });
    outbox = createPostgresOutbox({
      pool,
      bus,
      schema,
      relay: { pollIntervalMs: 200, cleanupIntervalMs: 100 },
    });
    // Two instances migrating at once both succeed.
    await Promise.all([outbox.migrate(), createPostgresOutbox({ pool, bus, schema }).migrate()]);
  });
  afterAll(async () => {
    await outbox?.stop();
    await bus?.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  const collect = async (queue: string, options = {}) => {
    const received: Message[] = [];
    const consumer = bus.consumer(queue, async (message) => void received.push(message), options);
    await consumer.start();
    return { received, consumer };
  };

  it('sends what a committed transaction wrote, with the id, time and source fixed at write', async () => {
    const queue = `committed-${Date.now()}`;
    const { received, consumer } = await collect(queue);
    const ids = await inTransaction(pool, (client) =>
      outbox.send(client, queue, [
        { type: 'StockReserved', data: { orderId: 'o-1' } },
        { type: 'StockReserved', data: { orderId: 'o-2' }, source: 'warehouse', headers: { region: 'eu' } },
      ]),
    );
    const { rows } = await pool.query(
      `SELECT envelope::text AS envelope FROM "${schema}".omnibus_outbox WHERE message_id = ANY($1) ORDER BY position`,
      [ids],
    );
    const written = rows.map((row) => JSON.parse(row.envelope));
    expect(await outbox.relayBatch()).toBe(2);
    await waitFor(() => received.length === 2, 'both messages');
    await consumer.stop();
    expect(received.map((message) => message.id)).toEqual(ids);
    expect(received.map((message) => message.time)).toEqual(written.map((envelope) => envelope.time));
    expect(received.map((message) => message.source)).toEqual(['stock', 'warehouse']);
    expect(received[1]!.headers).toEqual({ region: 'eu' });
    const sent = await pool.query(
      `SELECT count(*)::int AS sent FROM "${schema}".omnibus_outbox WHERE message_id = ANY($1) AND sent_at IS NOT NULL`,
      [ids],
    );
    expect(sent.rows[0].sent).toBe(2);
  });

  it('never sends what a rolled-back transaction wrote', async () => {
    const queue = `rolled-back-${Date.now()}`;
    const { received, consumer } = await collect(queue);
    await expect(
      inTransaction(pool, async (client) => {
        await outbox.send(client, queue, { type: 'StockReserved', data: { orderId: 'lost' } });
        throw new Error('the order was refused');
      }),
    ).rejects.toThrow('the order was refused');
    await inTransaction(pool, (client) =>
      outbox.send(client, queue, { type: 'StockReserved', data: { orderId: 'kept' } }),
    );
    while ((await outbox.relayBatch()) > 0);
    await waitFor(() => received.length === 1, 'the committed message');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await consumer.stop();
    expect(received.map((message) => (message.data as { orderId: string }).orderId)).toEqual(['kept']);
  });

  it('refuses, before writing, what the bus would refuse at send', async () => {
    const queue = `refused-${Date.now()}`;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expect(
        outbox.send<unknown>(client, queue, [
          { type: 'Small', data: 1 },
          { type: 'Huge', data: 'x'.repeat(5_000) },
        ]),
      ).rejects.toBeInstanceOf(MessageTooLargeError);
      await expect(outbox.send(client, queue, { type: 'NoData' } as never)).rejects.toThrow(/no 'data'/);
      await expect(
        outbox.send(client, queue, { type: 'Bad', data: 1, headers: { 'ce-id': 'forged' } }),
      ).rejects.toThrow(/reserved prefix/);
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM "${schema}".omnibus_outbox WHERE destination = $1`,
        [queue],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    const unordered = await createBus({
      transport: createMemoryTransport(),
    });
    const plain = createPostgresOutbox({
      pool,
      bus: { ...unordered, capabilities: { ...unordered.capabilities, ordering: 'none' } },
      schema,
    });
    await expect(
      inTransaction(pool, (tx) =>
        plain.send(tx, queue, { type: 'Keyed', data: 1, key: 'k' }, { ordering: 'key' }),
      ),
    ).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await unordered.close();
  });

  it('wakes on NOTIFY at commit rather than waiting for the poll', async () => {
    const queue = `notified-${Date.now()}`;
    const { received, consumer } = await collect(queue);
    const listening = createPostgresOutbox({ pool, bus, schema, relay: { pollIntervalMs: 600_000 } });
    await listening.start();
    try {
      // The first look at the table happens on start; after it the relay sleeps for ten minutes
      // unless a commit notifies it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await inTransaction(pool, (client) =>
        outbox
          .publish(client, 'unused-topic', { type: 'Ignored', data: 0 })
          .then(() => outbox.send(client, queue, { type: 'Woken', data: 1 })),
      );
      await waitFor(() => received.length === 1, 'the notified message', 5_000);
    } finally {
      await listening.stop();
      await consumer.stop();
    }
  });

  it('holds a delayed message until it is due', async () => {
    const queue = `delayed-${Date.now()}`;
    const { received, consumer } = await collect(queue);
    const written = Date.now();
    await inTransaction(pool, (client) =>
      outbox.send(client, queue, { type: 'Later', data: 1 }, { delayMs: 600 }),
    );
    expect(await outbox.relayBatch()).toBe(0);
    await outbox.start();
    try {
      await waitFor(() => received.length === 1, 'the delayed message', 5_000);
      expect(Date.now() - written).toBeGreaterThanOrEqual(600);
    } finally {
      await outbox.stop();
      await consumer.stop();
    }
  });

  it('keeps each key in commit order across three relays and concurrent writers', async () => {
    const queue = `ordered-${Date.now()}`;
    const keys = Array.from({ length: 8 }, (_, index) => `order-${index}`);
    const perKey = 40;
    const seen = new Map<string, number[]>();
    const consumer = bus.consumer(
      queue,
      async (message) => {
        const list = seen.get(message.key!) ?? [];
        list.push((message.data as { sequence: number }).sequence);
        seen.set(message.key!, list);
      },
      { ordering: 'key', concurrency: 8 },
    );
    await consumer.start();
    const relays = [0, 1, 2].map(() =>
      createPostgresOutbox({ pool, bus, schema, relay: { batchSize: 7, pollIntervalMs: 50 } }),
    );
    await Promise.all(relays.map((relay) => relay.start()));
    try {
      // Each key has one writer that commits its messages one transaction at a time, so commit
      // order per key is sequence order; writers of different keys interleave freely.
      await Promise.all(
        keys.map(async (key) => {
          for (let sequence = 0; sequence < perKey; sequence++) {
            await inTransaction(pool, (client) =>
              outbox.send(client, queue, { type: 'Step', key, data: { sequence } }, { ordering: 'key' }),
            );
          }
        }),
      );
      await waitFor(
        () => [...seen.values()].reduce((total, list) => total + list.length, 0) >= keys.length * perKey,
        'every message',
      );
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await consumer.stop();
    }
    for (const key of keys) {
      expect(seen.get(key)).toEqual(Array.from({ length: perKey }, (_, index) => index));
    }
  });

  it('deletes sent rows after the retention period', async () => {
    const short = createPostgresOutbox({ pool, bus, schema, relay: { retentionMs: 1 } });
    const queue = `purged-${Date.now()}`;
    const ids = await inTransaction(pool, (client) => outbox.send(client, queue, { type: 'Old', data: 1 }));
    expect(await short.relayBatch()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await short.purgeSent()).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM "${schema}".omnibus_outbox WHERE message_id = $1`,
      [ids[0]],
    );
    expect(rows[0].n).toBe(0);
  });

  it('validates its options at construction', () => {
    expect(() => createPostgresOutbox({ pool, bus, table: 'drop table; --' })).toThrow(/plain name/);
    expect(() => createPostgresOutbox({ pool, bus, relay: { batchSize: 0 } })).toThrow(/batchSize/);
    expect(() => createPostgresOutbox({ pool: undefined as never, bus })).toThrow(/pool must be/);
  });
});
