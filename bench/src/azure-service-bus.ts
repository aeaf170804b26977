import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { createAzureServiceBusTransport } from '@omnibus/azure-service-bus';
import { createBus } from '@omnibus/core';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { type BenchRow, median, percentile } from './report.js';

/**
 * Omnibus over Azure Service Bus versus the raw `@azure/service-bus` client with the same batching
 * and concurrency, in the same run, on the in-repo emulator started in this process: throughput
 * (sends in batches of 100 through `createMessageBatch`; one peek-lock `subscribe` receiver with
 * maxConcurrentCalls = 64; `completeMessage` each) and paced one-at-a-time latency (send ->
 * handler). The emulator shares this process's CPU, so compare the ratio, not the absolute rates.
 */
export async function bench(total = 5_000, runs = 3, latencySamples = 200): Promise<BenchRow[]> {
  const emulator = await startServiceBusEmulator({ port: 0 });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const omnibus: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < runs; run++) {
      raw.push(await rawThroughput(emulator, total));
      omnibus.push(await omnibusThroughput(emulator, total));
    }
    const rawLatency = await rawLatencies(emulator, latencySamples);
    const omnibusLatency = await omnibusLatencies(emulator, latencySamples);
    const rss = Math.round(peakRss / 1_048_576);
    return [
      {
        name: 'raw @azure/service-bus (emulator)',
        msgsPerSec: median(raw),
        p50Ms: percentile(rawLatency, 50),
        p99Ms: percentile(rawLatency, 99),
        peakRssMb: rss,
      },
      {
        name: 'Omnibus azure-service-bus (emulator)',
        msgsPerSec: median(omnibus),
        p50Ms: percentile(omnibusLatency, 50),
        p99Ms: percentile(omnibusLatency, 99),
        peakRssMb: rss,
        ratio: median(omnibus) / median(raw),
        target: 'ratio >= 0.8',
        note: 'the emulator runs in the same process: it is measured too',
      },
    ];
  } finally {
    clearInterval(sampler);
    await emulator.close();
  }
}

const CONCURRENCY = 64;
const BATCH = 100;
const payload = { orderId: 'order-000000', customer: 'customer-0000', amount: 123.45, note: 'x'.repeat(60) };

function uniqueName(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The raw side: what an application would write by hand with the same batching and concurrency. */
async function rawQueue(emulator: ServiceBusEmulator, label: string) {
  const name = uniqueName(label);
  emulator.createQueue(name);
  const client = new ServiceBusClient(emulator.connectionString);
  const sender = client.createSender(name);
  const receiver = client.createReceiver(name, { receiveMode: 'peekLock', skipParsingBodyAsJson: true });
  const body = Buffer.from(JSON.stringify(payload));
  const message = (): ServiceBusMessage => ({
    body,
    contentType: 'application/json',
    messageId: crypto.randomUUID(),
    applicationProperties: { 'ce-type': 'OrderPlaced', 'ce-source': 'bench' },
  });
  let onMessage: () => void = () => {};
  const subscription = receiver.subscribe(
    {
      async processMessage(received) {
        JSON.parse((received.body as Buffer).toString('utf8'));
        onMessage();
        await receiver.completeMessage(received);
      },
      async processError() {},
    },
    { maxConcurrentCalls: CONCURRENCY, autoCompleteMessages: false },
  );
  return {
    async send(count: number) {
      let batch = await sender.createMessageBatch();
      for (let index = 0; index < count; index++) {
        const next = message();
        if (batch.tryAddMessage(next)) continue;
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        batch.tryAddMessage(next);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    },
    set handler(handler: () => void) {
      onMessage = handler;
    },
    async close() {
      await subscription.close();
      await receiver.close();
      await sender.close();
      await client.close();
    },
  };
}

async function rawThroughput(emulator: ServiceBusEmulator, total: number): Promise<number> {
  const queue = await rawQueue(emulator, 'raw');
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  queue.handler = () => {
    if (++handled === total) finish();
  };
  const started = performance.now();
  for (let sent = 0; sent < total; sent += BATCH) await queue.send(BATCH);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  return total / seconds;
}

function omnibusBus(emulator: ServiceBusEmulator) {
  return createBus({
    transport: createAzureServiceBusTransport({
      connectionString: emulator.connectionString,
      administration: {
        async ensureQueue(name) {
          try {
            emulator.createQueue(name);
          } catch {
            // already there
          }
        },
        async ensureTopic() {},
        async ensureSubscription() {},
      },
    }),
    source: 'bench',
  });
}

async function omnibusThroughput(emulator: ServiceBusEmulator, total: number): Promise<number> {
  const bus = await omnibusBus(emulator);
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
  const batch = Array.from({ length: BATCH }, () => ({ type: 'OrderPlaced', data: payload }));
  const started = performance.now();
  for (let sent = 0; sent < total; sent += BATCH) await producer.send(batch);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await bus.close();
  return total / seconds;
}

async function rawLatencies(emulator: ServiceBusEmulator, samples: number): Promise<number[]> {
  const queue = await rawQueue(emulator, 'raw-lat');
  let arrived: (() => void) | undefined;
  queue.handler = () => arrived?.();
  const latencies: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const received = new Promise<void>((resolve) => (arrived = resolve));
    await queue.send(1);
    await received;
    latencies.push(performance.now() - started);
  }
  await queue.close();
  return latencies;
}

async function omnibusLatencies(emulator: ServiceBusEmulator, samples: number): Promise<number[]> {
  const bus = await omnibusBus(emulator);
  const queue = uniqueName('omnibus-lat');
  let arrived: (() => void) | undefined;
  await bus.consumer(queue, () => arrived?.(), { concurrency: CONCURRENCY }).start();
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
