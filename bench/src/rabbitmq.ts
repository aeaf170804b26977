import { randomBytes } from 'node:crypto';
import { createBus } from '@omnibus/core';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import amqp from 'amqplib';
import { type BenchRow, median, percentile } from './report.js';

const URL_ = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// Same for both sides: quorum queue, persistent messages, publisher confirms, manual acks.
const PREFETCH = 100;
const BATCH = 100;
const BATCHES_IN_FLIGHT = 10;

const payload = {
  orderId: 'order-000000',
  customer: 'customer-0000',
  amount: 123.45,
  items: [{ sku: 'sku-1', quantity: 2 }],
  note: 'x'.repeat(60),
};

interface RunResult {
  msgsPerSec: number;
  latencies: number[];
  peakRssMb: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Publish + consume of `total` ~200-byte persistent messages on one quorum queue, through Omnibus
 * and through raw amqplib (ConfirmChannel, same prefetch, same durability), alternating runs in
 * the same process; medians of `runs` runs each. Latency is end to end (send call to handler).
 */
export async function bench(
  total = Number(process.env.BENCH_RABBITMQ_N ?? 20_000),
  runs = 3,
): Promise<BenchRow[]> {
  const raw: RunResult[] = [];
  const omnibus: RunResult[] = [];
  // One warm-up of each, not counted: JIT, queue-creation paths, the broker's own caches.
  await runRaw(Math.min(total, 2_000));
  await runOmnibus(Math.min(total, 2_000));
  for (let run = 0; run < runs; run++) {
    raw.push(await runRaw(total));
    omnibus.push(await runOmnibus(total));
  }
  const row = (name: string, results: RunResult[]): BenchRow => ({
    name,
    msgsPerSec: median(results.map((result) => result.msgsPerSec)),
    p50Ms: median(results.map((result) => percentile(result.latencies, 50))),
    p99Ms: median(results.map((result) => percentile(result.latencies, 99))),
    peakRssMb: median(results.map((result) => result.peakRssMb)),
  });
  const rawRow = row(`raw amqplib (confirms, prefetch ${PREFETCH}), N=${total}`, raw);
  const omnibusRow = row(`omnibus rabbitmq (quorum, confirms, prefetch ${PREFETCH}), N=${total}`, omnibus);
  omnibusRow.ratio = omnibusRow.msgsPerSec! / rawRow.msgsPerSec!;
  omnibusRow.target = '>= 0.8x raw (goal 0.9x)';
  return [rawRow, omnibusRow];
}

async function runOmnibus(total: number): Promise<RunResult> {
  const queue = `bench-omnibus-${randomBytes(4).toString('hex')}`;
  const bus = await createBus({
    transport: createRabbitMqTransport({ url: URL_, connectionName: 'omnibus-bench' }),
    source: 'bench',
  });
  const latencies: number[] = new Array(total);
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const consumer = bus.consumer<{ sentAt: number }>(
    queue,
    (message) => {
      latencies[handled] = now() - message.data.sentAt;
      if (++handled === total) finish();
    },
    { concurrency: PREFETCH },
  );
  await consumer.start();
  const producer = bus.producer(queue);
  const memory = sampleRss();
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < total; sent += BATCH) {
    const sentAt = now();
    const size = Math.min(BATCH, total - sent);
    inFlight.push(
      producer.send(
        Array.from({ length: size }, () => ({ type: 'OrderPlaced', data: { ...payload, sentAt } })),
      ),
    );
    if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await done;
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = memory.stop();
  await consumer.stop();
  await bus.close();
  await deleteQueues(queue, `${queue}.dlq`);
  return { msgsPerSec: total / seconds, latencies, peakRssMb };
}

async function runRaw(total: number): Promise<RunResult> {
  const queue = `bench-raw-${randomBytes(4).toString('hex')}`;
  const connection = await amqp.connect(URL_, { noDelay: true });
  const consumeChannel = await connection.createChannel();
  const publishChannel = await connection.createConfirmChannel();
  await consumeChannel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await consumeChannel.prefetch(PREFETCH);
  const latencies: number[] = new Array(total);
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumeChannel.consume(queue, (message) => {
    if (!message) return;
    const data = JSON.parse(message.content.toString('utf8')) as { sentAt: number };
    latencies[handled] = now() - data.sentAt;
    consumeChannel.ack(message);
    if (++handled === total) finish();
  });
  const memory = sampleRss();
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < total; sent += BATCH) {
    const sentAt = now();
    const size = Math.min(BATCH, total - sent);
    const confirms: Promise<void>[] = [];
    for (let index = 0; index < size; index++) {
      const body = Buffer.from(JSON.stringify({ ...payload, sentAt }));
      confirms.push(
        new Promise<void>((resolve, reject) => {
          publishChannel.publish(
            '',
            queue,
            body,
            { persistent: true, contentType: 'application/json' },
            (error) => (error ? reject(error) : resolve()),
          );
        }),
      );
    }
    inFlight.push(Promise.all(confirms).then(() => undefined));
    if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await done;
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = memory.stop();
  await consumeChannel.deleteQueue(queue);
  await connection.close();
  return { msgsPerSec: total / seconds, latencies, peakRssMb };
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024);
    },
  };
}

async function deleteQueues(...queues: string[]): Promise<void> {
  const connection = await amqp.connect(URL_);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  await connection.close();
}
