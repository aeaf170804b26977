import { PubSub } from '@google-cloud/pubsub';
import { createBus } from '@omnibus/core';
import { createGcpPubSubTransport } from '@omnibus/gcp-pubsub';
import { type BenchRow, median, percentile } from './report.js';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const EMULATOR_HOST = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
const PROJECT_ID = 'omnibus-bench';
/** The same knobs on both sides: flow-control window, ack batching, publish batching. */
const CONCURRENCY = 100;
const ACK_BATCHING = { maxMessages: 1000, maxMilliseconds: 10 };
const PUBLISH_BATCHING = { maxMessages: 1000, maxMilliseconds: 5 };
const payload = { orderId: 'order-000000', customer: 'customer-0000', amount: 123.45, note: 'x'.repeat(60) };

/**
 * Omnibus over the Pub/Sub emulator versus raw @google-cloud/pubsub with the same batching and flow
 * control, in the same run: throughput (send in batches of 100, consume with a window of 100) and
 * paced one-at-a-time latency (send → handler). The emulator is measured too: compare the ratio.
 */
export async function bench(total = 5_000, runs = 3, latencySamples = 200): Promise<BenchRow[]> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const omnibus: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < runs; run++) {
      raw.push(await rawThroughput(total));
      omnibus.push(await omnibusThroughput(total));
    }
    const rawLatency = await rawLatencies(latencySamples);
    const omnibusLatency = await omnibusLatencies(latencySamples);
    const rss = Math.round(peakRss / 1_048_576);
    const ratio = median(omnibus) / median(raw);
    return [
      {
        name: 'raw @google-cloud/pubsub (emulator)',
        msgsPerSec: median(raw),
        p50Ms: percentile(rawLatency, 50),
        p99Ms: percentile(rawLatency, 99),
        peakRssMb: rss,
      },
      {
        name: 'Omnibus gcp-pubsub (emulator)',
        msgsPerSec: median(omnibus),
        p50Ms: percentile(omnibusLatency, 50),
        p99Ms: percentile(omnibusLatency, 99),
        peakRssMb: rss,
        ratio,
        target: 'ratio >= 0.8',
      },
    ];
  } finally {
    clearInterval(sampler);
  }
}

function uniqueName(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function newClient(): PubSub {
  return new PubSub({ projectId: PROJECT_ID, apiEndpoint: EMULATOR_HOST, emulatorMode: true });
}

async function rawThroughput(total: number): Promise<number> {
  const client = newClient();
  const name = uniqueName('raw');
  const [topic] = await client.createTopic(name);
  await topic.createSubscription(name);
  const publisher = client.topic(name, { batching: PUBLISH_BATCHING });
  const subscription = client.subscription(name, {
    flowControl: { maxMessages: CONCURRENCY, allowExcessMessages: false },
    batching: ACK_BATCHING,
  });
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  subscription.on('message', (message) => {
    JSON.parse(message.data.toString('utf8'));
    message.ack();
    if (++handled === total) finish();
  });
  const started = performance.now();
  const body = Buffer.from(JSON.stringify(payload));
  for (let sent = 0; sent < total; sent += 100) {
    await Promise.all(
      Array.from({ length: 100 }, () =>
        publisher.publishMessage({ data: body, attributes: { 'ce-type': 'OrderPlaced' } }),
      ),
    );
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await subscription.close();
  await client.close();
  return total / seconds;
}

async function omnibusThroughput(total: number): Promise<number> {
  const transport = createGcpPubSubTransport({
    projectId: PROJECT_ID,
    emulatorHost: EMULATOR_HOST,
    ackBatching: ACK_BATCHING,
    publishBatching: PUBLISH_BATCHING,
  });
  const bus = await createBus({ transport, source: 'bench' });
  const queue = uniqueName('omnibus');
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const consumer = bus.consumer(
    queue,
    () => {
      if (++handled === total) finish();
    },
    { concurrency: CONCURRENCY },
  );
  await consumer.start();
  const producer = bus.producer(queue);
  const batch = Array.from({ length: 100 }, () => ({ type: 'OrderPlaced', data: payload }));
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 100) await producer.send(batch);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await bus.close();
  return total / seconds;
}

async function rawLatencies(samples: number): Promise<number[]> {
  const client = newClient();
  const name = uniqueName('raw-lat');
  const [topic] = await client.createTopic(name);
  await topic.createSubscription(name);
  const publisher = client.topic(name, { batching: PUBLISH_BATCHING });
  const subscription = client.subscription(name, {
    flowControl: { maxMessages: CONCURRENCY, allowExcessMessages: false },
    batching: ACK_BATCHING,
  });
  let arrived: (() => void) | undefined;
  subscription.on('message', (message) => {
    message.ack();
    arrived?.();
  });
  const latencies: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const received = new Promise<void>((resolve) => (arrived = resolve));
    await publisher.publishMessage({ data: Buffer.from(JSON.stringify(payload)) });
    await received;
    latencies.push(performance.now() - started);
  }
  await subscription.close();
  await client.close();
  return latencies;
}

async function omnibusLatencies(samples: number): Promise<number[]> {
  const transport = createGcpPubSubTransport({
    projectId: PROJECT_ID,
    emulatorHost: EMULATOR_HOST,
    ackBatching: ACK_BATCHING,
    publishBatching: PUBLISH_BATCHING,
  });
  const bus = await createBus({ transport, source: 'bench' });
  const queue = uniqueName('omnibus-lat');
  let arrived: (() => void) | undefined;
  const consumer = bus.consumer(queue, () => arrived?.(), { concurrency: CONCURRENCY });
  await consumer.start();
  const producer = bus.producer(queue);
  const latencies: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const received = new Promise<void>((resolve) => (arrived = resolve));
    await producer.send({ type: 'OrderPlaced', data: payload });
    await received;
    latencies.push(performance.now() - started);
  }
  await bus.close();
  return latencies;
}
