// End to end: the Pub/Sub emulator pushes to a local HTTP server running createPubSubPushHandler,
// through a push subscription, as Pub/Sub pushes to Cloud Run. Acks, redeliveries and dead letters
// are what the emulator did with the handler's answers.
import { randomBytes } from 'node:crypto';
import { type Message as PulledMessage, PubSub, type Topic } from '@google-cloud/pubsub';
import { waitFor } from '@omnibus/contract-tests';
import { type Bus, createBus, defineConsumer, FailureHeader, PermanentError } from '@omnibus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpPubSubTransport } from '../src/index.js';
import { createPubSubPushHandler } from '../src/functions/index.js';
import { EMULATOR_HOST, emulatorAvailable, PROJECT_ID } from './emulator.js';
import { startPushServer } from './push-server.js';

const available = await emulatorAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)('Pub/Sub push subscriptions on the emulator into createPubSubPushHandler', () => {
  const pubsub = new PubSub({ projectId: PROJECT_ID, apiEndpoint: EMULATOR_HOST, emulatorMode: true });
  let bus: Bus;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    bus = await createBus({
      transport: createGcpPubSubTransport({ projectId: PROJECT_ID, emulatorHost: EMULATOR_HOST }),
      source: 'push-e2e',
    });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await bus?.close();
    await pubsub.close();
  });

  /**
   * The topic `<topic>`, its push subscription `<topic>.push` (as the transport names a topic's
   * subscription `push`) to a local server running `handler`, and the dead-letter topic
   * `<topic>.push.dlq` with a pull subscription collecting dead letters.
   */
  async function pushTo(handler: ReturnType<typeof createPubSubPushHandler>, topicName: string) {
    const server = await startPushServer(handler);
    cleanups.push(server.close);
    const [topic] = await pubsub.createTopic(topicName);
    const [deadTopic] = await pubsub.createTopic(`${topicName}.push.dlq`);
    const [deadPull] = await deadTopic.createSubscription(`${topicName}.push.dlq`);
    const dead: PulledMessage[] = [];
    deadPull.on('message', (message: PulledMessage) => {
      dead.push(message);
      message.ack();
    });
    cleanups.push(() => deadPull.close());
    const [push] = await topic.createSubscription(`${topicName}.push`, {
      pushConfig: { pushEndpoint: server.url },
      retryPolicy: { minimumBackoff: { seconds: 0 }, maximumBackoff: { seconds: 1 } },
    });
    cleanups.push(() => push.delete());
    return { topic, dead };
  }

  const topicName = (label: string) => `pe-${label}-${randomBytes(4).toString('hex')}`;

  async function publish(topic: Topic, type: string, data: unknown) {
    await bus.topic(topic.name.split('/').pop()!).publish({ type, data });
  }

  it('a handled push is acked: delivered once, not pushed again', async () => {
    const name = topicName('ack');
    const seen: unknown[] = [];
    const definition = defineConsumer({ topic: name, subscription: 'push' }, async (message) => {
      seen.push(message.data);
    });
    const { topic, dead } = await pushTo(createPubSubPushHandler(definition, { bus, pubsub }), name);
    await publish(topic, 'OrderPlaced', { orderId: 'o-1' });
    await waitFor(() => seen.length === 1, 'the push', 30_000);
    await sleep(4_000);
    expect(seen).toEqual([{ orderId: 'o-1' }]);
    expect(dead).toHaveLength(0);
  });

  it('a failed attempt is nacked and pushed again, with the attempt counting up, until it succeeds', async () => {
    const name = topicName('retry');
    const attempts: number[] = [];
    const definition = defineConsumer(
      { topic: name, subscription: 'push' },
      async (message) => {
        attempts.push(message.attempt);
        if (attempts.length < 3) throw new Error('flaky');
      },
      { retry: { attempts: 5 } },
    );
    const { topic, dead } = await pushTo(createPubSubPushHandler(definition, { bus, pubsub }), name);
    await publish(topic, 'OrderPlaced', { orderId: 'o-2' });
    await waitFor(() => attempts.length === 3, 'two redeliveries', 40_000);
    await sleep(4_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toHaveLength(0);
  });

  it('after the last attempt the message is in the dead-letter topic with the failure headers, and not pushed again', async () => {
    const name = topicName('dead');
    const attempts: number[] = [];
    const definition = defineConsumer(
      { topic: name, subscription: 'push' },
      async (message) => {
        attempts.push(message.attempt);
        throw new Error('payment provider down');
      },
      { retry: { attempts: 3 } },
    );
    const { topic, dead } = await pushTo(createPubSubPushHandler(definition, { bus, pubsub }), name);
    await publish(topic, 'OrderPlaced', { orderId: 'o-3' });
    await waitFor(() => dead.length === 1, 'the dead letter', 40_000);
    await sleep(4_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.attributes[FailureHeader.attempts]).toBe('3');
    expect(dead[0]!.attributes[FailureHeader.error]).toBe('Error: payment provider down');
    expect(dead[0]!.attributes[FailureHeader.failedQueue]).toBe(`${name}/push`);
    expect(JSON.parse(dead[0]!.data.toString())).toEqual({ orderId: 'o-3' });
  });

  it('a PermanentError is dead-lettered on its first push and acked', async () => {
    const name = topicName('permanent');
    let calls = 0;
    const definition = defineConsumer(
      { topic: name, subscription: 'push' },
      async () => {
        calls++;
        throw new PermanentError('order is malformed');
      },
      { retry: { attempts: 5 } },
    );
    const { topic, dead } = await pushTo(createPubSubPushHandler(definition, { bus, pubsub }), name);
    await publish(topic, 'OrderPlaced', { orderId: 'o-4' });
    await waitFor(() => dead.length === 1, 'the dead letter', 30_000);
    await sleep(4_000);
    expect(calls).toBe(1);
    expect(dead[0]!.attributes[FailureHeader.error]).toBe('PermanentError: order is malformed');
  });
});
