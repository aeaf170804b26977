import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createAwsTransport } from '@omnibus/aws';
import { createBus } from '@omnibus/core';
import { startFauxqs } from 'fauxqs';
import { type BenchRow, median, percentile } from './report.js';

/**
 * Omnibus over SQS versus the raw SQS client with the same batching, in the same run, on fauxqs
 * started in this process: throughput (send in batches of 100 = ten SendMessageBatch calls of 10 in
 * parallel; receive with 8 long-polling receivers of up to 10; DeleteMessageBatch) and paced
 * one-at-a-time latency (send -> handler). fauxqs shares this process's CPU, so the figures measure
 * the emulator too: compare the ratio, not the absolute rates.
 */
export async function bench(total = 5_000, runs = 3, latencySamples = 200): Promise<BenchRow[]> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const connection = {
    region: 'us-east-1',
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const omnibus: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < runs; run++) {
      raw.push(await rawThroughput(connection, total));
      omnibus.push(await omnibusThroughput(connection, total));
    }
    const rawLatency = await rawLatencies(connection, latencySamples);
    const omnibusLatency = await omnibusLatencies(connection, latencySamples);
    const rss = Math.round(peakRss / 1_048_576);
    return [
      {
        name: 'raw @aws-sdk/client-sqs (fauxqs)',
        msgsPerSec: median(raw),
        p50Ms: percentile(rawLatency, 50),
        p99Ms: percentile(rawLatency, 99),
        peakRssMb: rss,
      },
      {
        name: 'Omnibus aws / SQS (fauxqs)',
        msgsPerSec: median(omnibus),
        p50Ms: percentile(omnibusLatency, 50),
        p99Ms: percentile(omnibusLatency, 99),
        peakRssMb: rss,
        ratio: median(omnibus) / median(raw),
        target: 'ratio >= 0.8',
        note: 'fauxqs runs in the same process: the emulator is measured too',
      },
    ];
  } finally {
    clearInterval(sampler);
    await fauxqs.stop();
  }
}

interface Connection {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const POLLERS = 8;
const CONCURRENCY = 80;
const WAIT_SECONDS = 1;
const payload = { orderId: 'order-000000', customer: 'customer-0000', amount: 123.45, note: 'x'.repeat(60) };

function uniqueName(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The raw side: what an application would write by hand with the same batching. */
async function rawQueue(connection: Connection, label: string) {
  const client = new SQSClient(connection);
  const url = (await client.send(new CreateQueueCommand({ QueueName: uniqueName(label) }))).QueueUrl!;
  const body = JSON.stringify(payload);
  const send = (count: number) =>
    Promise.all(
      Array.from({ length: Math.ceil(count / 10) }, (_, batch) =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: Array.from({ length: Math.min(10, count - batch * 10) }, (_, index) => ({
              Id: String(index),
              MessageBody: body,
              MessageAttributes: { 'ce-type': { DataType: 'String', StringValue: 'OrderPlaced' } },
            })),
          }),
        ),
      ),
    );
  let running = true;
  let onMessage: () => void = () => {};
  const pollers = Array.from({ length: POLLERS }, async () => {
    while (running) {
      const result = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: WAIT_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const messages = result.Messages ?? [];
      if (messages.length === 0) continue;
      for (const message of messages) {
        JSON.parse(message.Body!);
        onMessage();
      }
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
  });
  return {
    send,
    set handler(handler: () => void) {
      onMessage = handler;
    },
    async close() {
      running = false;
      await Promise.all(pollers);
      client.destroy();
    },
  };
}

async function rawThroughput(connection: Connection, total: number): Promise<number> {
  const queue = await rawQueue(connection, 'raw');
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  queue.handler = () => {
    if (++handled === total) finish();
  };
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 100) await queue.send(100);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  return total / seconds;
}

async function omnibusBus(connection: Connection) {
  return createBus({
    transport: createAwsTransport({ ...connection, receiveWaitSeconds: WAIT_SECONDS }),
    source: 'bench',
  });
}

async function omnibusThroughput(connection: Connection, total: number): Promise<number> {
  const bus = await omnibusBus(connection);
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

async function rawLatencies(connection: Connection, samples: number): Promise<number[]> {
  const queue = await rawQueue(connection, 'raw-lat');
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

async function omnibusLatencies(connection: Connection, samples: number): Promise<number[]> {
  const bus = await omnibusBus(connection);
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
