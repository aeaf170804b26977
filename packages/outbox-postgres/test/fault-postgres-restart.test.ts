import type pg from 'pg';
import { type Bus, createBus } from '@omnibus/core';
import { PostgresIdempotencyStore } from '@omnibus/idempotency-postgres';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresOutbox } from '../src/index.js';
import { startLedger } from './delivery-ledger.js';
import {
  createPool,
  postgresAndRabbitMqUnavailable,
  rabbitUrl,
  postgresUrl,
  waitFor,
} from './postgres-server.js';
import { findPostgresBin, type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';

const bin = findPostgresBin();
const unavailable =
  (bin === undefined ? 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin' : undefined) ??
  (await postgresAndRabbitMqUnavailable());
if (unavailable !== undefined && bin === undefined) {
  if (process.env.CI === 'true') throw new Error(unavailable);
  console.warn(`Skipping the PostgreSQL restart test: ${unavailable}.`);
}
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.skipIf(unavailable !== undefined)('outbox while its PostgreSQL restarts', () => {
  let server: PrivatePostgres;
  let bus: Bus;
  // The idempotency keys live on the shared server, which does not restart.
  const sharedPool = createPool(postgresUrl, 4);
  const store = new PostgresIdempotencyStore({
    pool: sharedPool,
    table: `omnibus_outbox_restart_${process.pid}`,
  });

  beforeAll(async () => {
    server = await startPrivatePostgres(bin!);
    bus = await createBus({ transport: createRabbitMqTransport({ url: rabbitUrl }), logger: silent });
    await store.migrate();
  }, 120_000);
  afterAll(async () => {
    await bus?.close();
    await server?.stop();
    await sharedPool.query(`DROP TABLE IF EXISTS omnibus_outbox_restart_${process.pid}`);
    await sharedPool.end();
  });

  it('delivers every committed message, each handled once, across a restart mid-run', async () => {
    const pool = createPool(server.url, 8);
    const outbox = createPostgresOutbox({
      pool,
      bus,
      logger: silent,
      relay: { pollIntervalMs: 200, maxBackoffMs: 500 },
    });
    await outbox.migrate();
    const queue = `outbox-pg-restart-${process.pid}-${Date.now()}`;
    const ledger = await startLedger(bus, queue, store);
    await outbox.start();

    const committed = new Set<string>();
    // A COMMIT that failed with the connection lost may or may not have happened.
    const uncertain = new Set<string>();
    const rolledBack = new Set<string>();
    let restarted = false;
    const writer = (async () => {
      let sequence = 0;
      while (committed.size < 600) {
        let client: pg.PoolClient | undefined;
        let ids: readonly string[] = [];
        let stage: 'before-commit' | 'commit' = 'before-commit';
        try {
          client = await pool.connect();
          client.on('error', () => {});
          await client.query('BEGIN');
          ids = await outbox.send(client, queue, [
            { type: 'Tick', data: { sequence: sequence++ } },
            { type: 'Tick', data: { sequence: sequence++ } },
          ]);
          if (sequence % 20 === 0) {
            await client.query('ROLLBACK');
            for (const id of ids) rolledBack.add(id);
          } else {
            stage = 'commit';
            await client.query('COMMIT');
            for (const id of ids) committed.add(id);
          }
          client.release();
        } catch (error) {
          client?.release(error as Error);
          if (stage === 'commit') for (const id of ids) uncertain.add(id);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    })();
    await waitFor(() => committed.size >= 200, 'the first 200 commits', 30_000);
    await server.restart();
    restarted = true;
    await writer;
    expect(restarted).toBe(true);
    await waitFor(
      () => [...committed].every((id) => ledger.handled.has(id)),
      'every committed message',
      60_000,
    );
    await outbox.stop();
    await ledger.consumer.stop();
    await pool.end();

    for (const id of committed) expect(ledger.handled.get(id)).toBe(1);
    for (const id of ledger.handled.keys()) expect(committed.has(id) || uncertain.has(id)).toBe(true);
    for (const id of rolledBack) expect(ledger.deliveries.has(id)).toBe(false);
    for (const count of ledger.handled.values()) expect(count).toBe(1);
    expect(rolledBack.size).toBeGreaterThan(0);
  }, 150_000);
});
