import { serviceUnavailable } from '@omnibus/contract-tests';
import pg from 'pg';

/** The PostgreSQL the tests use; override with OMNIBUS_POSTGRES_URL. */
export const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why the PostgreSQL tests cannot run here, or undefined; under CI an unreachable server throws. */
export const postgresUnavailable = (): Promise<string | undefined> =>
  serviceUnavailable({
    name: 'PostgreSQL',
    url: postgresUrl,
    defaultPort: 5432,
    howToStart:
      '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16` (or set OMNIBUS_POSTGRES_URL)',
  });

/** A schema name no other test run uses, so suites run side by side on one server. */
export function uniqueSchema(label: string): string {
  return `outbox_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A pool whose idle-connection errors (a server restart) do not crash the test process. */
export function createPool(connectionString: string, max = 8): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  return pool;
}

/** Runs `work` in a transaction on its own connection: commits if it resolves, rolls back if not. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Resolves once `condition` holds, polling; fails with `description` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  description: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${description}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The RabbitMQ the broker tests use; override with RABBITMQ_URL. */
export const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Why the PostgreSQL + RabbitMQ tests cannot run here, or undefined; under CI an unreachable server throws. */
export const postgresAndRabbitMqUnavailable = async (): Promise<string | undefined> =>
  (await postgresUnavailable()) ??
  (await serviceUnavailable({
    name: 'RabbitMQ',
    url: rabbitUrl,
    defaultPort: 5672,
    howToStart: '`rabbitmq-server -detached` (or set RABBITMQ_URL)',
  }));
