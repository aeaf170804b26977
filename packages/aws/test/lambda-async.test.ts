// The SNS and EventBridge entry points of @omnibus/aws/lambda. Events are built on the documented
// sample events (fixtures/sns-event.json from https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html,
// fixtures/eventbridge-event.json from
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html), carrying what an
// Omnibus bus really published or emitted through fauxqs and the EventBridge emulator.
import { readFileSync } from 'node:fs';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type Bus,
  createBus,
  defineConsumer,
  FailureHeader,
  InvocationFailedError,
  type Message,
  PermanentError,
} from '@omnibus/core';
import { encodeMessage } from '@omnibus/core/transport';
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsTransport } from '../src/index.js';
import { createEventBridgeHandler, createSnsHandler } from '../src/lambda/index.js';
import { fromWire, toWire } from '../src/wire-envelope.js';
import { type AwsEmulators, startAwsEmulators } from './aws-emulators.js';

const fixture = <T>(name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
const snsSample = fixture<SNSEvent>('sns-event.json');
const eventBridgeSample = fixture<EventBridgeEvent<string, unknown>>('eventbridge-event.json');
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

/** The documented SNS event, carrying `message` as SNS delivers what the AWS transport published. */
function snsEvent(input: Parameters<typeof encodeMessage>[0]): SNSEvent {
  const wire = toWire(encodeMessage(input, { source: 'shop' }));
  const record = snsSample.Records[0]!;
  const attributes = Object.fromEntries(
    Object.entries(wire.attributes).map(([name, value]) => [
      name,
      { Type: 'String', Value: value.StringValue! },
    ]),
  );
  return {
    Records: [{ ...record, Sns: { ...record.Sns, Message: wire.body, MessageAttributes: attributes } }],
  };
}

async function deadLetterQueue(): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: unique('lambda-async-dlq') }))).QueueUrl!;
}

async function receiveAll(queueUrl: string) {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: 1,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    }),
  );
  return (result.Messages ?? []).map((message) =>
    fromWire(message.Body ?? '', message.MessageAttributes, message.MessageId ?? ''),
  );
}

describe('createSnsHandler', () => {
  it('runs a notification through the handler with its envelope, and ctx stamps what it sends', async () => {
    const replies = unique('sns-replies');
    const received: Message[] = [];
    const repliesConsumer = bus.consumer(replies, (message) => void received.push(message));
    await repliesConsumer.start();
    const seen: Message[] = [];
    const definition = defineConsumer(
      { topic: 'customer.notifications', subscription: 'email' },
      async (message, ctx) => {
        seen.push(message);
        await ctx.send(replies, { type: 'EmailSent', data: {} });
      },
    );
    await createSnsHandler(definition, { bus, sqs })(
      snsEvent({
        id: 'n-1',
        type: 'OrderConfirmed',
        data: { orderId: 'o-1' },
        headers: { tenant: 'acme' },
        correlationId: 'c-1',
      }),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: 'n-1',
      type: 'OrderConfirmed',
      source: 'shop',
      data: { orderId: 'o-1' },
      headers: { tenant: 'acme' },
      attempt: 1,
    });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    await repliesConsumer.stop();
    expect(received[0]).toMatchObject({ correlationId: 'c-1', causationId: 'n-1' });
  });

  it('fails the invocation on a transient error, so Lambda retries it', async () => {
    const definition = defineConsumer({ topic: 't', subscription: 's' }, () => {
      throw new Error('mail server down');
    });
    const run = createSnsHandler(definition, { bus, sqs })(snsEvent({ type: 'OrderConfirmed', data: {} }));
    await expect(run).rejects.toThrow(InvocationFailedError);
    await expect(run).rejects.toThrow(/asked for a retry/);
  });

  it('sends a PermanentError to the dead-letter queue at once, with the failure headers, and returns', async () => {
    const dlq = await deadLetterQueue();
    const definition = defineConsumer({ topic: 't', subscription: 'audit' }, () => {
      throw new PermanentError('unknown customer');
    });
    await createSnsHandler(definition, { bus, sqs, deadLetterQueueUrl: dlq })(
      snsEvent({ id: 'n-2', type: 'OrderConfirmed', data: { orderId: 'o-2' } }),
    );
    const letters = await receiveAll(dlq);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.id).toBe('n-2');
    expect(letters[0]?.attributes).toMatchObject({
      [FailureHeader.error]: 'PermanentError: unknown customer',
      [FailureHeader.failedQueue]: 't/audit',
      [FailureHeader.attempts]: '1',
    });
  });

  it('without a dead-letter queue, a permanent failure fails the invocation (for the on-failure destination)', async () => {
    const definition = defineConsumer({ topic: 't', subscription: 's' }, () => {});
    // The documented sample itself: its body is not an Omnibus message.
    await expect(createSnsHandler(definition, { bus, sqs })(snsSample)).rejects.toThrow(
      /failed for good: DecodeError/,
    );
  });
});

describe('createEventBridgeHandler', () => {
  it('runs an event routed by a rule through the handler of the rule target queue', async () => {
    const queue = unique('eb-target');
    const seen: Message[] = [];
    const definition = defineConsumer(queue, (message) => void seen.push(message));
    // What the rule really delivers: emit through the bus and the EventBridge emulator to the target
    // queue, then hand the event's detail to the function the way a rule with a Lambda target does.
    await bus.rule(unique('eb-rule'), { pattern: { type: ['PaymentFailed'] }, target: { queue } });
    await bus.emit({
      id: 'e-1',
      type: 'PaymentFailed',
      source: 'payments',
      data: { amount: 1250 },
      correlationId: 'c-9',
    });
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
    let body: string | undefined;
    await expect
      .poll(
        async () => {
          const result = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
          body ??= result.Messages?.[0]?.Body;
          return body !== undefined;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    const event = {
      ...eventBridgeSample,
      id: 'native-id',
      'detail-type': 'PaymentFailed',
      source: 'payments',
      detail: JSON.parse(body!),
    };
    await createEventBridgeHandler(definition, { bus, sqs })(event);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: 'e-1',
      type: 'PaymentFailed',
      source: 'payments',
      data: { amount: 1250 },
      correlationId: 'c-9',
      attempt: 1,
    });
  });

  it('reads an event of any other producer (the documented sample) as an EventBridge event', async () => {
    const seen: Message[] = [];
    const definition = defineConsumer(unique('ec2-events'), (message) => void seen.push(message));
    await createEventBridgeHandler(definition, { bus, sqs })(eventBridgeSample);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      type: 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      data: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
    });
  });

  it('dead-letters a PermanentError to the configured queue and fails a transient error', async () => {
    const dlq = await deadLetterQueue();
    const permanent = defineConsumer(unique('eb-permanent'), () => {
      throw new PermanentError('no such account');
    });
    await createEventBridgeHandler(permanent, { bus, sqs, deadLetterQueueUrl: dlq })(eventBridgeSample);
    const letters = await receiveAll(dlq);
    expect(letters.map((letter) => letter.attributes[FailureHeader.error])).toEqual([
      'PermanentError: no such account',
    ]);
    const transient = defineConsumer(unique('eb-transient'), () => {
      throw new Error('downstream busy');
    });
    await expect(createEventBridgeHandler(transient, { bus, sqs })(eventBridgeSample)).rejects.toThrow(
      InvocationFailedError,
    );
  });
});
