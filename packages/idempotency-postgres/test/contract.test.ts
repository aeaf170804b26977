import { idempotencyStoreContract } from '@omnibus/contract-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyTableSql, PostgresIdempotencyStore } from '../src/index.js';
import { postgresUnavailable, postgresUrl } from './postgres-server.js';

const unavailable = await postgresUnavailable();
const table = 'omnibus_idempotency_contract';
if (unavailable === undefined) {
  const setup = new PostgresIdempotencyStore({ connectionString: postgresUrl, table, maxConnections: 1 });
  await setup.migrate();
  // Rows of earlier runs are past their ttl within a minute; keep the table small.
  await setup.purgeExpired({ limit: 10_000 });
  await setup.close();
}

idempotencyStoreContract({
  name: 'postgres',
  createStore: () =>
    new PostgresIdempotencyStore({ connectionString: postgresUrl, table, maxConnections: 4 }),
  unavailable,
});

describe.skipIf(unavailable !== undefined)('PostgresIdempotencyStore on a real server', () => {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
  const purgeTable = `omnibus_idempotency_purge_${process.pid}`;
  const store = new PostgresIdempotencyStore({ pool, table: purgeTable });

  beforeAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${purgeTable}`);
    // Two instances migrating at once must both succeed.
    await Promise.all([store.migrate(), new PostgresIdempotencyStore({ pool, table: purgeTable }).migrate()]);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${purgeTable}`);
    await store.close();
    await pool.end();
  });

  it('purges expired rows in bounded batches and keeps live ones', async () => {
    const keys = Array.from({ length: 25 }, (_, index) => `purge-${index}`);
    for (const key of keys) await store.claim(key, { lockMs: 1 });
    const live = await store.claim('live', { lockMs: 60_000 });
    expect(live.status).toBe('claimed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.purgeExpired({ limit: 10 })).toBe(10);
    expect(await store.purgeExpired({ limit: 10 })).toBe(10);
    expect(await store.purgeExpired({ limit: 10 })).toBe(5);
    expect(await store.purgeExpired()).toBe(0);
    const { rows } = await pool.query(`SELECT key, state FROM ${purgeTable}`);
    expect(rows).toEqual([{ key: 'live', state: 'in-progress' }]);
  });

  it('stores the result as JSON text byte for byte', async () => {
    const claim = await store.claim('json', { lockMs: 60_000 });
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    await store.complete('json', claim.token, { ttlMs: 60_000, result: { b: 1, a: [1.0, '\u0000'] } });
    const { rows } = await pool.query(`SELECT result::text AS result FROM ${purgeTable} WHERE key = 'json'`);
    expect(rows[0].result).toBe('{"b":1,"a":[1,"\\u0000"]}');
    expect(await store.claim('json', { lockMs: 1_000 })).toEqual({
      status: 'completed',
      result: { b: 1, a: [1, '\u0000'] },
    });
  });

  it('names the missing table and how to create it', async () => {
    const missing = new PostgresIdempotencyStore({ pool, table: 'omnibus_no_such_table' });
    await expect(missing.claim('k', { lockMs: 1_000 })).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/migrate\(\)/),
    });
  });
});

describe('PostgresIdempotencyStore without a server', () => {
  it('validates every option at once without I/O', () => {
    expect(
      () =>
        new PostgresIdempotencyStore({
          connectionString: 'mysql://x',
          table: 'bad; drop table users',
          maxConnections: 0,
        }),
    ).toThrow(/connectionString.*table.*maxConnections/);
    expect(() => new PostgresIdempotencyStore({})).toThrow(/give pool .* or connectionString/);
  });

  it('documents its DDL with the table name quoted', () => {
    expect(idempotencyTableSql('billing.keys')).toContain('CREATE TABLE IF NOT EXISTS "billing"."keys"');
  });

  it('fails a claim with a retryable ConnectionError when nothing listens', async () => {
    const store = new PostgresIdempotencyStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    await expect(store.claim('k', { lockMs: 1_000 })).rejects.toMatchObject({
      code: 'connection',
      retryable: true,
    });
    await store.close();
    await expect(store.claim('k', { lockMs: 1_000 })).rejects.toMatchObject({ code: 'closed' });
  });
});
