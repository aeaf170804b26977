// The SQS entry point of @omnibus/aws/lambda against fauxqs (a real SQS emulator), invoked by the
// local event source the way Lambda's SQS event source mapping invokes a function. Events follow the
// documented sample event (fixtures/sqs-event.json, from
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
import { readFileSync } from 'node:fs';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type Bus,
  type ConsumerDefinition,
  createBus,
  defineConsumer,
  FailureHeader,
  type Message,
  PermanentError,
} from '@omnibus/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsTransport } from '../src/index.js';
import { createSqsHandler, startLocalSqsEventSource } from '../src/lambda/index.js';
import { type AwsEmulators, startAwsEmulators } from './aws-emulators.js';

const documented = JSON.parse(
  readFileSync(new URL('./fixtures/sqs-event.json', import.meta.url), 'utf8'),
) as SQSEvent;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let emulators: AwsEmulators;
let sqs: SQSClient;
let bus: Bus;
let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  sqs = new SQSClient({ region: 'us-east-1', endpoint: emulators.fauxqs.address, credentials });
  // As a function would: one bus at module scope, reused by every invocation.
  bus = await createBus({
    transport: createAwsTransport({
      region: 'us-east-1',
      endpoint: emulators.fauxqs.address,
      credentials,
      receiveWaitSeconds: 1,
      endpoints: { eventBridge: emulators.eventBridge.endpoint },
    }),
    source: 'lambda-tests',
    logger: silent,
  });
});

afterAll(async () => {
  await bus?.close();
  sqs?.destroy();
  await emulators?.stop();
});

/** Provisions the queue, its DLQ and redrive policy the way a deploy would (via a consumer's first start). */
async function provision<T>(definition: ConsumerDefinition<T>): Promise<string> {
  const consumer = bus.consumer(definition);
  await consumer.start();
  await consumer.stop();
  const name = definition.source as string;
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}

/** Reads every dead letter of `queue` that arrives within the wait, through the public API. */
function collectDeadLetters(queue: string, envelope: 'auto' | 'raw' = 'auto') {
  const letters: Message[] = [];
  const consumer =
    envelope === 'raw'
      ? bus.deadLetters(queue).consume((message) => void letters.push(message), { envelope: 'raw' })
      : bus.deadLetters(queue).consume((message) => void letters.push(message));
  return { letters, consumer };
}

interface Invocation {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse;
  readonly at: number;
}

function recordInvocations(handler: (event: SQSEvent) => Promise<SQSBatchResponse>) {
  const invocations: Invocation[] = [];
  return {
    invocations,
    handler: async (event: SQSEvent) => {
      const response = await handler(event);
      invocations.push({ event, response, at: Date.now() });
      return response;
    },
  };
}

describe('createSqsHandler through a local Lambda event source on fauxqs', () => {
  it('hands the handler records of the documented shape', async () => {
    const queue = unique('lambda-shape');
    const definition = defineConsumer(queue, () => {});
    const queueUrl = await provision(definition);
    await bus
      .producer(queue)
      .send({ type: 'OrderPlaced', data: { orderId: 'o-1' }, headers: { tenant: 'acme' } });
    const seen = recordInvocations(createSqsHandler(definition, { bus, sqs }));
    const source = startLocalSqsEventSource({ sqs, queueUrl, handler: seen.handler, waitTimeSeconds: 1 });
    await expect.poll(() => seen.invocations.length, { timeout: 10_000 }).toBe(1);
    await source.stop();
    const record = seen.invocations[0]!.event.Records[0]!;
    const sample = documented.Records[0]!;
    expect(Object.keys(record).sort()).toEqual(expect.arrayContaining(Object.keys(sample).sort()));
    expect(Object.keys(record.attributes)).toEqual(expect.arrayContaining(Object.keys(sample.attributes)));
    expect(Object.keys(record.messageAttributes.tenant!).sort()).toEqual(
      Object.keys(sample.messageAttributes.myAttribute!).sort(),
    );
    expect(record).toMatchObject({ eventSource: 'aws:sqs', awsRegion: 'us-east-1' });
    expect(record.eventSourceARN).toMatch(new RegExp(`^arn:aws:sqs:us-east-1:\\d+:${queue}$`));
    expect(seen.invocations[0]!.response).toEqual({ batchItemFailures: [] });
  });

  it('acks, retries by visibility with the backoff, and dead-letters at once or on the last attempt', async () => {
    const queue = unique('lambda-orders');
    const replies = unique('lambda-replies');
    const runs = new Map<string, number[]>();
    const definition = defineConsumer(
      queue,
      async (message: Message<{ kind: string }>, ctx) => {
        runs.set(message.data.kind, [...(runs.get(message.data.kind) ?? []), message.attempt]);
        if (message.data.kind === 'poison') throw new PermanentError('card reported stolen');
        if (message.data.kind === 'flaky') throw new Error('card network down');
        await ctx.send(replies, { type: 'PaymentAuthorized', data: { by: message.id } });
      },
      { retry: { attempts: 3, backoff: { initialMs: 1000, factor: 1, jitter: false } } },
    );
    const queueUrl = await provision(definition);
    const received: Message[] = [];
    const repliesConsumer = bus.consumer(replies, (message) => void received.push(message));
    await repliesConsumer.start();
    const dead = collectDeadLetters(queue);
    await dead.consumer.start();

    await bus.producer(queue).send([
      { id: 'ok-1', type: 'AuthorizePayment', data: { kind: 'ok' }, correlationId: 'checkout-9' },
      { id: 'flaky-1', type: 'AuthorizePayment', data: { kind: 'flaky' } },
      { id: 'poison-1', type: 'AuthorizePayment', data: { kind: 'poison' } },
    ]);
    const seen = recordInvocations(createSqsHandler(definition, { bus, sqs }));
    // A visibility timeout far above the backoff: only the handler's visibility change can bring the
    // flaky message back within the test.
    const source = startLocalSqsEventSource({
      sqs,
      queueUrl,
      handler: seen.handler,
      batchSize: 10,
      visibilityTimeoutSeconds: 120,
      waitTimeSeconds: 1,
    });
    await expect.poll(() => dead.letters.length, { timeout: 20_000 }).toBe(2);
    await source.stop();
    await dead.consumer.stop();
    await repliesConsumer.stop();

    // Every record of a batch that failed is reported; the flaky one until it was dead-lettered.
    const failures = seen.invocations.flatMap((invocation) => invocation.response.batchItemFailures);
    const idOf = (messageId: string) =>
      seen.invocations
        .flatMap((invocation) => invocation.event.Records)
        .find((record) => record.messageId === messageId)?.messageAttributes;
    expect(failures.length).toBe(2);
    for (const failure of failures) expect(JSON.stringify(idOf(failure.itemIdentifier))).toContain('flaky-1');

    expect(runs.get('ok')).toEqual([1]);
    expect(runs.get('poison')).toEqual([1]);
    expect(runs.get('flaky')).toEqual([1, 2, 3]);

    const byId = new Map(dead.letters.map((letter) => [letter.id, letter]));
    expect(byId.get('poison-1')?.headers).toMatchObject({
      [FailureHeader.error]: 'PermanentError: card reported stolen',
      [FailureHeader.attempts]: '1',
      [FailureHeader.failedQueue]: queue,
    });
    expect(byId.get('flaky-1')?.headers).toMatchObject({
      [FailureHeader.error]: 'Error: card network down',
      [FailureHeader.attempts]: '3',
    });
    expect(byId.get('flaky-1')?.data).toEqual({ kind: 'flaky' });

    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]).toMatchObject({
      correlationId: 'checkout-9',
      causationId: 'ok-1',
      data: { by: 'ok-1' },
    });

    // Nothing is left: acked and dead-lettered records were deleted.
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(left.Messages ?? []).toEqual([]);
  });

  it('dead-letters a message no Omnibus producer sent (an undecodable body) at once', async () => {
    const queue = unique('lambda-foreign');
    let runs = 0;
    const definition = defineConsumer(queue, () => {
      runs++;
    });
    const queueUrl = await provision(definition);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: documented.Records[0]!.body }));
    // Read raw: the dead letter is as foreign as the message was.
    const dead = collectDeadLetters(queue, 'raw');
    await dead.consumer.start();
    const seen = recordInvocations(createSqsHandler(definition, { bus, sqs }));
    const source = startLocalSqsEventSource({ sqs, queueUrl, handler: seen.handler, waitTimeSeconds: 1 });
    await expect.poll(() => dead.letters.length, { timeout: 15_000 }).toBe(1);
    await source.stop();
    await dead.consumer.stop();
    expect(runs).toBe(0);
    expect(seen.invocations.map((invocation) => invocation.response)).toEqual([{ batchItemFailures: [] }]);
    expect(dead.letters[0]?.headers[FailureHeader.error]).toMatch(/^DecodeError/);
    expect(new TextDecoder().decode((dead.letters[0] as Message & { body: Uint8Array }).body)).toBe(
      'Test message.',
    );
  });

  it('reports a record it cannot settle (its queue is unknown) as a failure, and refuses bad definitions', async () => {
    const definition = defineConsumer(unique('lambda-nowhere'), () => {});
    const handler = createSqsHandler(definition, { bus, sqs });
    const event: SQSEvent = {
      Records: [
        { ...documented.Records[0]!, eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:no-such-queue' },
      ],
    };
    expect(await handler(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: documented.Records[0]!.messageId }],
    });
    expect(() => createSqsHandler({ source: 'q' } as never, { bus, sqs })).toThrow(/defineConsumer/);
  });
});
