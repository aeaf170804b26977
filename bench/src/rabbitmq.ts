import { createBus } from '@omnibus/core';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import amqp from 'amqplib';
import {
  alternate,
  benchSize,
  countHandled,
  type HandledCounter,
  measureThroughput,
  sendInBatches,
  trackPeakRss,
} from './measure.js';
import { type BenchRow, comparisonRows, median, percentile } from './report.js';
import { order, uniqueName } from './workload.js';

const URL_ = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// Same for both sides: quorum queue, persistent messages, publisher confirms, manual acks.
const PREFETCH = 100;
const BATCHING = { batch: 100, inFlight: 10 };

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
export async function bench(total = benchSize(20_000), runs = 3): Promise<BenchRow[]> {
  // One warm-up of each, not counted: JIT, queue-creation paths, the broker's own caches.
  await runRaw(Math.min(total, 2_000));
  await runOmnibus(Math.min(total, 2_000));
  const results = await alternate(runs, { raw: () => runRaw(total), omnibus: () => runOmnibus(total) });
  const figures = (runResults: RunResult[]) => ({
    msgsPerSec: median(runResults.map((result) => result.msgsPerSec)),
    p50Ms: median(runResults.map((result) => percentile(result.latencies, 50))),
    p99Ms: median(runResults.map((result) => percentile(result.latencies, 99))),
    peakRssMb: median(runResults.map((result) => result.peakRssMb)),
  });
  return comparisonRows({
    raw: { name: `raw amqplib (confirms, prefetch ${PREFETCH}), N=${total}`, ...figures(results.raw) },
    omnibus: {
      name: `omnibus rabbitmq (quorum, confirms, prefetch ${PREFETCH}), N=${total}`,
      ...figures(results.omnibus),
    },
    target: '>= 0.8x raw amqplib (goal 0.9x)',
    note: 'the broker runs on this machine, so the figures measure it too: compare the ratio',
  });
}

/** Times one run from the first send until `total` messages are handled, sampling peak RSS. */
async function measureRun(
  total: number,
  counter: HandledCounter,
  send: (size: number) => Promise<unknown>,
): Promise<Omit<RunResult, 'latencies'>> {
  const memory = trackPeakRss(25);
  const msgsPerSec = await measureThroughput(total, counter, () => sendInBatches(total, BATCHING, send));
  return { msgsPerSec, peakRssMb: memory.stop() };
}

async function runOmnibus(total: number): Promise<RunResult> {
  const queue = uniqueName('omnibus');
  const bus = await createBus({
    transport: createRabbitMqTransport({ url: URL_, connectionName: 'omnibus-bench' }),
    source: 'bench',
  });
  const latencies: number[] = [];
  const counter = countHandled();
  const consumer = bus.consumer<{ sentAt: number }>(
    queue,
    (message) => {
      latencies.push(now() - message.data.sentAt);
      counter.handled();
    },
    { concurrency: PREFETCH },
  );
  await consumer.start();
  const producer = bus.producer(queue);
  const figures = await measureRun(total, counter, (size) => {
    const sentAt = now();
    return producer.send(
      Array.from({ length: size }, () => ({ type: 'OrderPlaced', data: { ...order, sentAt } })),
    );
  });
  await consumer.stop();
  await bus.close();
  await deleteQueues(queue, `${queue}.dlq`);
  return { ...figures, latencies };
}

async function runRaw(total: number): Promise<RunResult> {
  const queue = uniqueName('raw');
  const connection = await amqp.connect(URL_, { noDelay: true });
  const consumeChannel = await connection.createChannel();
  const publishChannel = await connection.createConfirmChannel();
  await consumeChannel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await consumeChannel.prefetch(PREFETCH);
  const latencies: number[] = [];
  const counter = countHandled();
  await consumeChannel.consume(queue, (message) => {
    if (!message) return;
    const data = JSON.parse(message.content.toString('utf8')) as { sentAt: number };
    latencies.push(now() - data.sentAt);
    consumeChannel.ack(message);
    counter.handled();
  });
  const figures = await measureRun(total, counter, (size) => {
    const sentAt = now();
    return Promise.all(
      Array.from({ length: size }, () => {
        const body = Buffer.from(JSON.stringify({ ...order, sentAt }));
        return new Promise<void>((resolve, reject) => {
          publishChannel.publish(
            '',
            queue,
            body,
            { persistent: true, contentType: 'application/json' },
            (error) => (error ? reject(error) : resolve()),
          );
        });
      }),
    );
  });
  await consumeChannel.deleteQueue(queue);
  await connection.close();
  return { ...figures, latencies };
}

async function deleteQueues(...queues: string[]): Promise<void> {
  const connection = await amqp.connect(URL_);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  await connection.close();
}
