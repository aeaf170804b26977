import { type Bus, createBus, type Transport } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { createPostgresOutbox } from '@omnibus/outbox-postgres';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import pg from 'pg';
import { alternate, benchSize, countHandled, sendInBatches, trackPeakRss } from './measure.js';
import { type BenchRow, median } from './report.js';
import { order, uniqueName } from './workload.js';

const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// Writers commit this many messages per transaction, this many transactions at once.
const PER_TRANSACTION = 100;
const WRITERS = 4;

interface Run {
  msgsPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/**
 * Committed messages per second end to end: from the first outbox write until a consumer has
 * handled every message, with 1 and with 3 relays, on RabbitMQ (when reachable) and on memory.
 * The baseline is the same messages sent directly with `producer.send` in the same batches, in the
 * same run: the ratio is the cost of the outbox (the database write, the relay's lock/mark
 * transaction) over a plain confirmed send.
 */
export async function bench(total = benchSize(10_000), runs = 3): Promise<BenchRow[]> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: WRITERS + 8 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch {
    return [{ name: 'outbox', note: `skipped: PostgreSQL is not reachable at ${postgresUrl}` }];
  }
  const schema = `outbox_bench_${process.pid}`;
  const rows: BenchRow[] = [];
  try {
    const transports: [string, () => Transport][] = [['memory', () => createMemoryTransport()]];
    if (await reachable(rabbitUrl))
      transports.push(['rabbitmq', () => createRabbitMqTransport({ url: rabbitUrl })]);
    else
      rows.push({ name: 'outbox on rabbitmq', note: `skipped: RabbitMQ is not reachable at ${rabbitUrl}` });
    for (const [label, transport] of transports) {
      const consumerBus = await createBus({ transport: transport(), source: 'bench' });
      await createPostgresOutbox({ pool, bus: consumerBus, schema }).migrate();
      const side = (relays: number) => () => runOutbox(pool, schema, consumerBus, transport, relays, total);
      await side(1)(); // warm-up, not counted
      const results = await alternate(runs, {
        direct: () => runDirect(consumerBus, total),
        oneRelay: side(1),
        threeRelays: side(3),
      });
      await consumerBus.close();
      const direct = median(results.direct.map((run) => run.msgsPerSec));
      for (const [name, relayRuns] of [
        ['1 relay', results.oneRelay],
        ['3 relays', results.threeRelays],
      ] as const) {
        const msgsPerSec = median(relayRuns.map((run) => run.msgsPerSec));
        rows.push({
          name: `outbox on ${label}, ${name}: ${total} committed messages end to end`,
          msgsPerSec,
          ratio: msgsPerSec / direct,
          peakRssMb: Math.max(...relayRuns.map((run) => run.peakRssMb)),
          note: `ratio vs direct producer.send (${Math.round(direct)} msgs/s) in the same run; CPU ${median(relayRuns.map((run) => run.cpuSeconds)).toFixed(2)} s per run; ${WRITERS} writers x ${PER_TRANSACTION} messages per transaction`,
        });
      }
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
  return rows;
}

async function runOutbox(
  pool: pg.Pool,
  schema: string,
  consumerBus: Bus,
  transport: () => Transport,
  relayCount: number,
  total: number,
): Promise<Run> {
  const queue = uniqueName('outbox');
  const counter = countHandled();
  const consumer = consumerBus.consumer(queue, counter.handled, { concurrency: 100 });
  await consumer.start();
  const relayBuses = await Promise.all(
    Array.from({ length: relayCount }, () => createBus({ transport: transport(), source: 'bench' })),
  );
  const relays = relayBuses.map((bus) =>
    createPostgresOutbox({ pool, bus, schema, relay: { batchSize: 200, pollIntervalMs: 200 } }),
  );
  await Promise.all(relays.map((relay) => relay.start()));
  const writer = relays[0]!;
  const messages = Array.from({ length: PER_TRANSACTION }, () => ({ type: 'OrderPlaced', data: order }));
  const measured = await measure(total, counter, () =>
    sendInBatches(total, { batch: PER_TRANSACTION, inFlight: WRITERS }, async (size) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await writer.send(client, queue, messages.slice(0, size));
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }),
  );
  await Promise.all(relays.map((relay) => relay.stop()));
  await Promise.all(relayBuses.map((bus) => bus.close()));
  await consumer.stop();
  return measured;
}

async function runDirect(bus: Bus, total: number): Promise<Run> {
  const queue = uniqueName('direct');
  const counter = countHandled();
  const consumer = bus.consumer(queue, counter.handled, { concurrency: 100 });
  await consumer.start();
  const producer = bus.producer(queue);
  const messages = Array.from({ length: PER_TRANSACTION }, () => ({ type: 'OrderPlaced', data: order }));
  const measured = await measure(total, counter, () =>
    sendInBatches(total, { batch: PER_TRANSACTION, inFlight: WRITERS }, (size) =>
      producer.send(messages.slice(0, size)),
    ),
  );
  await consumer.stop();
  return measured;
}

async function measure(
  total: number,
  counter: ReturnType<typeof countHandled>,
  send: () => Promise<void>,
): Promise<Run> {
  const memory = trackPeakRss(50);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await send();
  await counter.until(total);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    msgsPerSec: total / seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: memory.stop(),
  };
}

async function reachable(url: string): Promise<boolean> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5672) });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
