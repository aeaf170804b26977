import { randomUUID } from 'node:crypto';
import type { IdempotencyStore } from '@omnibus/core';
import {
  createIdempotencyStatements,
  PostgresIdempotencyStore,
  type PostgresQueryable,
} from '@omnibus/idempotency-postgres';
import {
  RedisIdempotencyStore,
  type RedisScriptClient,
  redisIdempotencyScripts,
} from '@omnibus/idempotency-redis';
import pg from 'pg';
import { createClient } from 'redis';
import { alternate, benchSize } from './measure.js';
import { type BenchRow, comparisonRows, median, percentile } from './report.js';

const redisUrl = process.env.OMNIBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 16;
const ROUNDS = 3;

/** One claim followed by one complete of a fresh key; resolves when both are done. */
type Pair = (key: string) => Promise<void>;

/**
 * Claim + complete pairs per second for each durable store, against the raw client sending the same
 * commands (the same EVALSHA scripts, the same SQL) in the same run, alternating rounds so load on
 * the machine hits both alike. Also counts the commands the store sends per operation, through a
 * counting client: the Redis store must stay at one round trip per claim and one per complete.
 */
export async function bench(): Promise<BenchRow[]> {
  return [...(await benchRedis()), ...(await benchPostgres())];
}

async function benchRedis(): Promise<BenchRow[]> {
  const client = createClient({ url: redisUrl, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    return [{ name: 'redis idempotency store', note: `skipped: Redis is not reachable at ${redisUrl}` }];
  }
  let commands = 0;
  const counting: RedisScriptClient = {
    evalSha: (sha1, options) => {
      commands++;
      return client.evalSha(sha1, options);
    },
    eval: (script, options) => {
      commands++;
      return client.eval(script, options);
    },
  };
  const prefix = `omnibus-bench:${Date.now()}:`;
  const store = new RedisIdempotencyStore({ client: counting, keyPrefix: prefix });
  const { claim, complete } = redisIdempotencyScripts;
  await client.scriptLoad(claim.source);
  await client.scriptLoad(complete.source);
  const raw: Pair = async (key) => {
    const redisKey = store.redisKey(key);
    const token = randomUUID();
    await client.evalSha(claim.sha1, { keys: [redisKey], arguments: [token, '30000', 'fingerprint'] });
    await client.evalSha(complete.sha1, { keys: [redisKey], arguments: [token, '60000', '{"charged":20}'] });
  };
  const rows = await compare('redis', storePair(store), raw, benchSize(4_000), () => commands);
  await client.close();
  return rows;
}

async function benchPostgres(): Promise<BenchRow[]> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: CONCURRENCY });
  pool.on('error', () => {});
  const table = 'omnibus_idempotency_bench';
  let queries = 0;
  const counting: PostgresQueryable = {
    query: (text, values) => {
      queries++;
      return pool.query(text, values);
    },
  };
  const store = new PostgresIdempotencyStore({ pool: counting, table });
  try {
    await store.migrate();
    await pool.query(`TRUNCATE ${table}`);
  } catch {
    await pool.end();
    return [
      { name: 'postgres idempotency store', note: `skipped: PostgreSQL is not reachable at ${postgresUrl}` },
    ];
  }
  const sql = createIdempotencyStatements(table);
  const raw: Pair = async (key) => {
    const token = randomUUID();
    await pool.query(sql.claim, [key, token, 'fingerprint', 30_000]);
    await pool.query(sql.complete, [key, token, '{"charged":20}', 60_000]);
  };
  const rows = await compare('postgres', storePair(store), raw, benchSize(2_000), () => queries);
  await pool.query(`DROP TABLE ${table}`);
  await pool.end();
  return rows;
}

function storePair(store: IdempotencyStore): Pair {
  return async (key) => {
    const claim = await store.claim(key, { lockMs: 30_000, fingerprint: 'fingerprint' });
    if (claim.status !== 'claimed') throw new Error(`bench key ${key} was not fresh`);
    await store.complete(key, claim.token, { ttlMs: 60_000, result: { charged: 20 } });
  };
}

async function compare(
  name: string,
  store: Pair,
  raw: Pair,
  pairs: number,
  storeCommands: () => number,
): Promise<BenchRow[]> {
  await measure(store, 200);
  await measure(raw, 200);
  const before = storeCommands();
  const rounds = await alternate(ROUNDS, {
    store: () => measure(store, pairs),
    raw: () => measure(raw, pairs),
  });
  const perOperation = (storeCommands() - before) / (pairs * ROUNDS) / 2;
  // Latency percentiles over every pair of every round.
  const figures = (measurements: Measurement[]) => {
    const latencies = measurements.flatMap((measurement) => measurement.latencies);
    return {
      opsPerSec: median(measurements.map((measurement) => measurement.pairsPerSec)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  };
  return comparisonRows({
    omnibus: { name: `${name} store claim+complete (c=${CONCURRENCY})`, ...figures(rounds.store) },
    raw: { name: `${name} raw client, same commands (c=${CONCURRENCY})`, ...figures(rounds.raw) },
    target: 'ratio vs raw client, p99',
    note:
      `${perOperation.toFixed(2)} round trips per operation; ops = claim+complete pairs; ratio = store / raw client; ` +
      `the server runs on this machine, so the figures measure it too`,
    order: 'omnibus-first',
  });
}

interface Measurement {
  pairsPerSec: number;
  latencies: number[];
}

/** Runs `total` pairs on fresh keys from CONCURRENCY workers; latency is per claim+complete pair. */
async function measure(pair: Pair, total: number): Promise<Measurement> {
  const run = randomUUID().slice(0, 8);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const key = `bench:${run}:${next++}`;
        const at = performance.now();
        await pair(key);
        latencies.push(performance.now() - at);
      }
    }),
  );
  return { pairsPerSec: total / ((performance.now() - started) / 1000), latencies };
}
