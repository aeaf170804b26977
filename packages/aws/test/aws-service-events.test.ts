import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type Bus, createBus, type Message } from '@omnibus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsTransport } from '../src/index.js';
import { isAwsServicePattern, translateServiceEventPattern } from '../src/translate-service-event-pattern.js';
import { AWS_SERVICE_CREDENTIALS, type AwsEmulators, startAwsEmulators } from './aws-emulators.js';

let emulators: AwsEmulators;
let bus: Bus;
let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  bus = await createBus({
    transport: createAwsTransport({
      region: 'us-east-1',
      endpoint: emulators.fauxqs.address,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      receiveWaitSeconds: 1,
      endpoints: { eventBridge: emulators.eventBridge.endpoint },
    }),
    source: 'uploads-service',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
});

afterAll(async () => {
  await bus?.close();
  await emulators?.stop();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An S3 "Object Created" event as S3 puts it on the default bus (its documented detail shape). */
function objectCreated(bucket: string, key: string) {
  return {
    Source: 'aws.s3',
    DetailType: 'Object Created',
    Resources: [`arn:aws:s3:::${bucket}`],
    Detail: JSON.stringify({
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    }),
  };
}

describe('AWS service events through a rule', () => {
  it('delivers an aws.s3 event put by the EventBridge SDK to an Omnibus consumer, mapped onto the message', async () => {
    const queue = unique('s3-uploads');
    const bucket = unique('uploads');
    const received: Message[] = [];
    await bus
      .consumer(queue, (message) => {
        received.push(message);
      })
      .start();
    await bus.rule(unique('s3-objects'), {
      pattern: { source: ['aws.s3'], type: ['Object Created'], data: { bucket: { name: [bucket] } } },
      target: { queue },
    });

    const s3 = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: emulators.eventBridge.endpoint,
      credentials: AWS_SERVICE_CREDENTIALS,
    });
    const put = await s3.send(
      new PutEventsCommand({
        Entries: [objectCreated(bucket, 'photos/cat.jpg'), objectCreated(unique('other-bucket'), 'x')],
      }),
    );
    s3.destroy();
    expect(put.FailedEntryCount).toBe(0);
    // An Omnibus event of the same type from this bus is not an S3 event: the rule ignores it.
    await bus.emit({ type: 'Object Created', data: { bucket: { name: bucket } } });

    await until(() => received.length >= 1, 'the S3 event');
    await emulators.eventBridge.idle();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(received).toHaveLength(1);
    const message = received[0]!;
    expect(message.id).toBe(put.Entries?.[0]?.EventId);
    expect(message.source).toBe('aws.s3');
    expect(message.type).toBe('Object Created');
    expect(message.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(message.data).toMatchObject({
      bucket: { name: bucket },
      object: { key: 'photos/cat.jpg', size: 5 },
    });
    expect(message.attempt).toBe(1);
    expect(emulators.eventBridge.deliveryFailures()).toEqual([]);
  });
});

describe('service event patterns', () => {
  it('are the patterns whose source admits only aws.* values', () => {
    expect(isAwsServicePattern({ source: ['aws.s3', 'aws.ec2'] })).toBe(true);
    expect(isAwsServicePattern({ source: [{ prefix: 'aws.' }] })).toBe(true);
    expect(isAwsServicePattern({ source: ['aws.s3', 'payments'] })).toBe(false);
    expect(isAwsServicePattern({ type: ['Object Created'] })).toBe(false);
  });

  it('translate onto the event as AWS holds it', () => {
    expect(
      translateServiceEventPattern({
        source: ['aws.s3'],
        type: ['Object Created'],
        data: { bucket: { name: ['b'] } },
        headers: { tenant: [{ exists: false }] },
      }),
    ).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['b'] } },
      '~absent~headers': { tenant: [{ exists: false }] },
    });
  });
});
