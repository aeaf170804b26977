import {
  CreateEventBusCommand,
  DisableRuleCommand,
  type EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '../src/index.js';
import { createTestClient, testCredentials, uniqueName } from './create-test-client.js';

let fauxqs: FauxqsServer;
let emulator: EventBridgeEmulator;
let client: EventBridgeClient;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  emulator = await startEventBridgeEmulator({ sqsEndpoint: fauxqs.address, snsEndpoint: fauxqs.address });
  client = createTestClient(emulator.endpoint);
  const aws = { endpoint: fauxqs.address, region: 'us-east-1', credentials: testCredentials };
  sqs = new SQSClient(aws);
  sns = new SNSClient(aws);
});
afterAll(async () => {
  for (const sdkClient of [client, sqs, sns]) sdkClient?.destroy();
  await emulator?.close();
  await fauxqs?.stop();
});

/** Creates a queue; returns its URL and ARN (fauxqs's fixed account). */
async function createQueue(name: string, attributes?: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return { url: QueueUrl!, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
}

/** Everything currently in the queue (after the emulator has delivered). */
async function drain(queueUrl: string): Promise<Message[]> {
  await emulator.idle();
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

/** A rule with one target for `source` on the default bus (or `eventBusName`). */
async function route(source: string, target: Target, eventBusName?: string) {
  const rule = uniqueName('rule');
  await client.send(
    new PutRuleCommand({
      Name: rule,
      EventBusName: eventBusName,
      EventPattern: JSON.stringify({ source: [source] }),
    }),
  );
  await client.send(new PutTargetsCommand({ Rule: rule, EventBusName: eventBusName, Targets: [target] }));
  return rule;
}

describe('delivery to SQS', () => {
  it('delivers only matching events, in the standard envelope, after PutEvents returns', async () => {
    const source = uniqueName('orders');
    const queue = await createQueue(uniqueName('q'));
    await route(source, { Id: 'queue', Arn: queue.arn });

    const put = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: source,
            DetailType: 'OrderPlaced',
            Detail: '{"orderId":"o-1","total":42}',
            Resources: ['arn:aws:xyz'],
            Time: new Date('2026-03-04T05:06:07.890Z'),
          },
          { Source: 'someone-else', DetailType: 'OrderPlaced', Detail: '{}' },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);

    const messages = await drain(queue.url);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.Body!)).toEqual({
      version: '0',
      id: put.Entries?.[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source,
      account: '000000000000',
      time: '2026-03-04T05:06:07Z',
      region: 'us-east-1',
      resources: ['arn:aws:xyz'],
      detail: { orderId: 'o-1', total: 42 },
    });
  });

  it('honours Input, InputPath and InputTransformer', async () => {
    const source = uniqueName('orders');
    const queue = await createQueue(uniqueName('q'));
    const rule = uniqueName('rule');
    await client.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: [source] }) }));
    await client.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [
          { Id: 'constant', Arn: queue.arn, Input: '{"constant":true}' },
          { Id: 'path', Arn: queue.arn, InputPath: '$.detail' },
          {
            Id: 'transformer',
            Arn: queue.arn,
            InputTransformer: {
              InputPathsMap: { order: '$.detail.orderId', total: '$.detail.total', type: '$.detail-type' },
              InputTemplate:
                '{"text":"Order <order> is <type>","total":<total>,"rule":"<aws.events.rule-name>"}',
            },
          },
        ],
      }),
    );
    await client.send(
      new PutEventsCommand({
        Entries: [{ Source: source, DetailType: 'OrderPlaced', Detail: '{"orderId":"o-7","total":9.5}' }],
      }),
    );

    const bodies = (await drain(queue.url)).map((message) => JSON.parse(message.Body!));
    expect(bodies).toHaveLength(3);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { constant: true },
        { orderId: 'o-7', total: 9.5 },
        { text: 'Order o-7 is OrderPlaced', total: 9.5, rule },
      ]),
    );
  });

  it('does not deliver for a disabled rule, and routes per event bus', async () => {
    const source = uniqueName('orders');
    const disabledQueue = await createQueue(uniqueName('q'));
    const busQueue = await createQueue(uniqueName('q'));
    const disabled = await route(source, { Id: 'queue', Arn: disabledQueue.arn });
    await client.send(new DisableRuleCommand({ Name: disabled }));
    const bus = uniqueName('bus');
    await client.send(new CreateEventBusCommand({ Name: bus }));
    await route(source, { Id: 'queue', Arn: busQueue.arn }, bus);

    await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: source, DetailType: 'on-default', Detail: '{}' },
          { Source: source, DetailType: 'on-custom', Detail: '{}', EventBusName: bus },
        ],
      }),
    );
    expect(await drain(disabledQueue.url)).toHaveLength(0);
    const delivered = await drain(busQueue.url);
    expect(delivered.map((message) => JSON.parse(message.Body!)['detail-type'])).toEqual(['on-custom']);
  });

  it('delivers to a FIFO queue with the target MessageGroupId', async () => {
    const source = uniqueName('orders');
    const queue = await createQueue(`${uniqueName('q')}.fifo`, { FifoQueue: 'true' });
    await route(source, { Id: 'fifo', Arn: queue.arn, SqsParameters: { MessageGroupId: 'group-1' } });
    await client.send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'x', Detail: '{"n":1}' }] }),
    );
    const { Messages = [] } = await (async () => {
      await emulator.idle();
      return sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MessageSystemAttributeNames: ['MessageGroupId'] }),
      );
    })();
    expect(Messages.map((message) => message.Attributes?.MessageGroupId)).toEqual(['group-1']);
  });

  it('records a delivery failure for a queue that does not exist', async () => {
    const source = uniqueName('orders');
    const missing = `arn:aws:sqs:us-east-1:000000000000:${uniqueName('missing')}`;
    await route(source, { Id: 'missing', Arn: missing });
    const put = await client.send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'x', Detail: '{}' }] }),
    );
    await emulator.idle();
    const failure = emulator
      .deliveryFailures()
      .find((record) => record.eventId === put.Entries?.[0]?.EventId);
    expect(failure).toMatchObject({ targetArn: missing, targetId: 'missing', outcome: 'failed' });
    expect(failure?.reason).toMatch(/QueueDoesNotExist|NonExistentQueue|does not exist/i);
  });
});

describe('delivery to SNS', () => {
  it('publishes to a topic whose queue subscription receives the event', async () => {
    const source = uniqueName('orders');
    const queue = await createQueue(uniqueName('q'));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('topic') }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await route(source, { Id: 'topic', Arn: TopicArn!, InputPath: '$.detail' });
    await client.send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'x', Detail: '{"via":"sns"}' }] }),
    );

    const messages = await drain(queue.url);
    expect(messages.map((message) => JSON.parse(message.Body!))).toEqual([{ via: 'sns' }]);
  });
});
