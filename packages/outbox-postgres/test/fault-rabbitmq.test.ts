import { type Bus, createBus, type Transport } from '@omnibus/core';
import { PostgresIdempotencyStore } from '@omnibus/idempotency-postgres';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresOutbox } from '../src/index.js';
import { startLedger } from './delivery-ledger.js';
import { runSigkillScenario } from './sigkill-scenario.js';
import {
  createPool,
  inTransaction,
  postgresAndRabbitMqUnavailable,
  rabbitUrl,
  postgresUrl,
  uniqueSchema,
  waitFor,
} from './postgres-server.js';

const unavailable = await postgresAndRabbitMqUnavailable();
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.skipIf(unavailable !== undefined)('outbox on real PostgreSQL and RabbitMQ', () => {
  const pool = createPool(postgresUrl, 16);
  const schema = uniqueSchema('rabbitmq');
  const store = new PostgresIdempotencyStore({ pool, table: `${schema}.idempotency` });
  const closers: (() => Promise<unknown>)[] = [];
  let bus: Bus;

  beforeAll(async () => {
    bus = await createBus({
      transport: createRabbitMqTransport({ url: rabbitUrl }),
      source: 'stock',
      logger: silent,
    });
    await createPostgresOutbox({ pool, bus, schema }).migrate();
    await store.migrate();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await bus?.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('delivers every committed message after a relay is SIGKILLed between send and mark, each handled once; never a rolled-back one', async () => {
    await runSigkillScenario({
      pool,
      databaseUrl: postgresUrl,
      schema,
      bus,
      transportUrl: rabbitUrl,
      store,
      queue: `outbox-sigkill-${process.pid}-${Date.now()}`,
    });
  }, 60_000);

  it('moves 10,000 committed messages through 3 concurrent relays, each delivered and handled exactly once', async () => {
    const queue = `outbox-three-relays-${process.pid}-${Date.now()}`;
    const ledger = await startLedger(bus, queue, store, 100);
    closers.push(() => ledger.consumer.stop());
    const sentBy = [0, 0, 0];
    const relays = await Promise.all(
      sentBy.map(async (_, relay) => {
        const inner = createRabbitMqTransport({ url: rabbitUrl });
        const counted = new Proxy(inner, {
          get(target, property) {
            if (property === 'send') {
              return async (...args: Parameters<Transport['send']>) => {
                await target.send(...args);
                sentBy[relay]! += args[1].length;
              };
            }
            const value = Reflect.get(target, property);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Transport;
        const relayBus = await createBus({ transport: counted, logger: silent });
        closers.push(() => relayBus.close());
        return createPostgresOutbox({
          pool,
          bus: relayBus,
          schema,
          relay: { batchSize: 200, pollIntervalMs: 100 },
        });
      }),
    );
    await Promise.all(relays.map((relay) => relay.start()));
    closers.push(() => Promise.all(relays.map((relay) => relay.stop())));
    const writer = createPostgresOutbox({ pool, bus, schema });
    const ids: string[] = [];
    // Four writers commit 250 messages per transaction while the relays run.
    await Promise.all(
      [0, 1, 2, 3].map(async (writerIndex) => {
        for (let transaction = 0; transaction < 10; transaction++) {
          const messages = Array.from({ length: 250 }, (_, index) => ({
            type: 'Tick',
            data: { writerIndex, transaction, index },
          }));
          ids.push(...(await inTransaction(pool, (client) => writer.send(client, queue, messages))));
        }
      }),
    );
    expect(new Set(ids).size).toBe(10_000);
    await waitFor(() => ledger.handled.size === 10_000, 'all 10,000 messages', 120_000);
    await Promise.all(relays.map((relay) => relay.stop()));
    const { rows } = await pool.query(
      `SELECT count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent, count(*)::int AS total
       FROM "${schema}".omnibus_outbox WHERE destination = $1`,
      [queue],
    );
    expect(rows[0]).toEqual({ sent: 10_000, total: 10_000 });
    expect(sentBy.reduce((sum, count) => sum + count, 0)).toBe(10_000);
    expect(sentBy.every((count) => count > 0)).toBe(true);
    expect(ledger.total(ledger.deliveries)).toBe(10_000);
    expect(ledger.total(ledger.handled)).toBe(10_000);
  }, 180_000);
});
