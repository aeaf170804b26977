import { type Bus, createBus } from '@omnibus/core';
import { createAwsTransport } from '@omnibus/aws';
import { PostgresIdempotencyStore } from '@omnibus/idempotency-postgres';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createPostgresOutbox } from '../src/index.js';
import { createPool, postgresUnavailable, postgresUrl, uniqueSchema } from './postgres-server.js';
import { runSigkillScenario } from './sigkill-scenario.js';

// SQS on fauxqs, started in this process; the killed relay process reaches it by URL.
const unavailable = await postgresUnavailable();
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const credentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

describe.skipIf(unavailable !== undefined)('outbox on real PostgreSQL and SQS (fauxqs)', () => {
  const pool = createPool(postgresUrl, 8);
  const schema = uniqueSchema('aws');
  const store = new PostgresIdempotencyStore({ pool, table: `${schema}.idempotency` });
  let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  let bus: Bus;

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    bus = await createBus({
      transport: createAwsTransport({
        region: 'us-east-1',
        endpoint: fauxqs.address,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        receiveWaitSeconds: 1,
      }),
      logger: silent,
    });
    await createPostgresOutbox({ pool, bus, schema }).migrate();
    await store.migrate();
  });
  afterAll(async () => {
    await bus?.close();
    await fauxqs?.stop();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('delivers every committed message after a relay is SIGKILLed between send and mark, each handled once; never a rolled-back one', async () => {
    await runSigkillScenario({
      pool,
      databaseUrl: postgresUrl,
      schema,
      bus,
      transportUrl: `aws://us-east-1?endpoint=${encodeURIComponent(fauxqs.address)}&receiveWaitSeconds=1`,
      env: credentials,
      store,
      queue: `outbox-sigkill-${process.pid}-${Date.now()}`,
    });
  }, 90_000);
});
