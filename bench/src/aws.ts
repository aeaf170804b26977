import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createAwsTransport } from '@omnibus/aws';
import { startFauxqs } from 'fauxqs';
import { type ComparisonSizes, compareClients, type OpenQueue, openOmnibusQueue } from './measure.js';
import type { BenchRow } from './report.js';
import { orderSummary, uniqueName } from './workload.js';

const BATCH = 100;
const POLLERS = 8;
const CONCURRENCY = 80;
const WAIT_SECONDS = 1;

/**
 * Omnibus over SQS versus the raw SQS client with the same batching, in the same run, on fauxqs
 * started in this process: throughput (send in batches of 100 = ten SendMessageBatch calls of 10 in
 * parallel; receive with 8 long-polling receivers of up to 10; DeleteMessageBatch) and paced
 * one-at-a-time latency (send -> handler). fauxqs shares this process's CPU, so the figures measure
 * the emulator too: compare the ratio, not the absolute rates.
 */
export async function bench(sizes: ComparisonSizes = {}): Promise<BenchRow[]> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const connection = {
    region: 'us-east-1',
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  try {
    return await compareClients({
      ...sizes,
      batch: BATCH,
      raw: { name: 'raw @aws-sdk/client-sqs (fauxqs)', open: openRawQueue(connection) },
      omnibus: {
        name: 'Omnibus aws / SQS (fauxqs)',
        open: openOmnibusQueue({
          transport: () => createAwsTransport({ ...connection, receiveWaitSeconds: WAIT_SECONDS }),
          concurrency: CONCURRENCY,
          batch: BATCH,
          data: orderSummary,
        }),
      },
      target: '>= 0.8x raw SQS client',
      note: 'fauxqs runs in this process: emulator figures measure the emulator too; compare the ratio',
    });
  } finally {
    await fauxqs.stop();
  }
}

interface Connection {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The raw side: what an application would write by hand with the same batching. */
function openRawQueue(connection: Connection): OpenQueue {
  return async (label, handled) => {
    const client = new SQSClient(connection);
    const url = (await client.send(new CreateQueueCommand({ QueueName: uniqueName(label) }))).QueueUrl!;
    const body = JSON.stringify(orderSummary);
    let running = true;
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
          handled();
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
      send: (count) =>
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
        ),
      async close() {
        running = false;
        await Promise.all(pollers);
        client.destroy();
      },
    };
  };
}
