// The Pub/Sub push entry point of @omnibus/gcp-pubsub/functions, called over HTTP with requests
// shaped like the documented push envelope (fixtures/push-envelope.json, from
// https://cloud.google.com/pubsub/docs/push#receive_push), dead letters published to the emulator.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type Message as PulledMessage, PubSub } from '@google-cloud/pubsub';
import { waitFor } from '@omnibus/contract-tests';
import {
  type Bus,
  createBus,
  defineConsumer,
  FailureHeader,
  type Message,
  PermanentError,
} from '@omnibus/core';
import { encodeMessage } from '@omnibus/core/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpPubSubTransport } from '../src/index.js';
import { createPubSubPushHandler, type PubSubPushEnvelope } from '../src/functions/index.js';
import { EMULATOR_HOST, emulatorAvailable, PROJECT_ID } from './emulator.js';
import { startPushServer } from './push-server.js';

const documented = JSON.parse(
  readFileSync(new URL('./fixtures/push-envelope.json', import.meta.url), 'utf8'),
) as PubSubPushEnvelope;
const available = await emulatorAvailable();
const name = (label: string) => `push-${label}-${randomBytes(4).toString('hex')}`;

/** The documented envelope carrying an Omnibus message, as a push to `subscription` delivers it. */
function envelopeOf(
  subscription: string,
  message: { type: string; data: unknown },
  extra: { deliveryAttempt?: number } = {},
): PubSubPushEnvelope & { message: { messageId: string } } {
  const encoded = encodeMessage(message, { source: 'push-tests' });
  return {
    ...documented,
    ...extra,
    message: {
      ...documented.message,
      attributes: encoded.attributes,
      data: Buffer.from(encoded.body).toString('base64'),
      messageId: String(Math.floor(Math.random() * 1e15)),
    },
    subscription: `projects/${PROJECT_ID}/subscriptions/${subscription}`,
  };
}

describe.skipIf(!available)('createPubSubPushHandler with the documented push envelope', () => {
  const pubsub = new PubSub({ projectId: PROJECT_ID, apiEndpoint: EMULATOR_HOST, emulatorMode: true });
  let bus: Bus;
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    bus = await createBus({
      transport: createGcpPubSubTransport({ projectId: PROJECT_ID, emulatorHost: EMULATOR_HOST }),
      source: 'push-tests',
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await bus?.close();
    await pubsub.close();
  });

  /** A dead-letter topic `<subscription>.dlq` with a pull subscription collecting what arrives. */
  async function deadLetterTopicOf(subscription: string) {
    const [topic] = await pubsub.createTopic(`${subscription}.dlq`);
    const [pull] = await topic.createSubscription(`${subscription}.dlq`);
    const arrived: PulledMessage[] = [];
    pull.on('message', (message: PulledMessage) => {
      arrived.push(message);
      message.ack();
    });
    return { arrived, close: () => pull.close() };
  }

  async function serve(handler: ReturnType<typeof createPubSubPushHandler>) {
    const server = await startPushServer(handler);
    servers.push(server);
    return (body: unknown) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
  }

  it('acks (204) a handled message, with the type, data and attempt 1 the handler saw', async () => {
    const seen: Message<{ sku: string }>[] = [];
    const definition = defineConsumer<{ sku: string }>('stock.reserve', async (message) => {
      seen.push(message);
    });
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    const response = await post(envelopeOf(name('ok'), { type: 'ReserveStock', data: { sku: 'a-1' } }));
    expect(response.status).toBe(204);
    expect(seen.map((message) => [message.type, message.data, message.attempt])).toEqual([
      ['ReserveStock', { sku: 'a-1' }, 1],
    ]);
  });

  it('nacks (503) a failed attempt while attempts remain, counting attempts from deliveryAttempt', async () => {
    const attempts: number[] = [];
    const definition = defineConsumer(
      'stock.reserve',
      async (message) => {
        attempts.push(message.attempt);
        throw new Error('stock service down');
      },
      { retry: { attempts: 5 } },
    );
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    const envelope = envelopeOf(name('retry'), { type: 'ReserveStock', data: 1 }, { deliveryAttempt: 2 });
    expect((await post(envelope)).status).toBe(503);
    expect((await post({ ...envelope, deliveryAttempt: 3 })).status).toBe(503);
    expect(attempts).toEqual([2, 3]);
  });

  it('dead-letters the last attempt to <subscription>.dlq with the failure headers, then acks', async () => {
    const subscription = name('last');
    const dead = await deadLetterTopicOf(subscription);
    const definition = defineConsumer(
      'stock.reserve',
      async () => {
        throw new Error('still down');
      },
      { retry: { attempts: 3 } },
    );
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    const envelope = envelopeOf(subscription, { type: 'ReserveStock', data: 7 }, { deliveryAttempt: 3 });
    expect((await post(envelope)).status).toBe(204);
    await waitFor(() => dead.arrived.length === 1, 'the dead letter', 10_000);
    await dead.close();
    const letter = dead.arrived[0]!;
    expect(letter.attributes[FailureHeader.attempts]).toBe('3');
    expect(letter.attributes[FailureHeader.error]).toBe('Error: still down');
    expect(letter.attributes[FailureHeader.failedQueue]).toBe('stock.reserve');
    expect(JSON.parse(letter.data.toString())).toBe(7);
  });

  it('dead-letters a PermanentError on the first attempt', async () => {
    const subscription = name('permanent');
    const dead = await deadLetterTopicOf(subscription);
    let calls = 0;
    const definition = defineConsumer(
      'stock.reserve',
      async () => {
        calls++;
        throw new PermanentError('unknown sku');
      },
      { retry: { attempts: 5 } },
    );
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    expect((await post(envelopeOf(subscription, { type: 'ReserveStock', data: 1 }))).status).toBe(204);
    await waitFor(() => dead.arrived.length === 1, 'the dead letter', 10_000);
    await dead.close();
    expect(calls).toBe(1);
    expect(dead.arrived[0]!.attributes[FailureHeader.error]).toBe('PermanentError: unknown sku');
    expect(dead.arrived[0]!.attributes[FailureHeader.attempts]).toBe('1');
  });

  it('dead-letters the documented sample as it is (text, not an envelope) as undecodable, then acks', async () => {
    const subscription = name('sample');
    const dead = await deadLetterTopicOf(subscription);
    let calls = 0;
    const definition = defineConsumer('stock.reserve', async () => {
      calls++;
    });
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    const response = await post({
      ...documented,
      subscription: `projects/${PROJECT_ID}/subscriptions/${subscription}`,
    });
    expect(response.status).toBe(204);
    await waitFor(() => dead.arrived.length === 1, 'the dead letter', 10_000);
    await dead.close();
    expect(calls).toBe(0);
    expect(dead.arrived[0]!.data.toString()).toBe('Hello Cloud Pub/Sub! Here is my message!');
    expect(dead.arrived[0]!.attributes.key).toBe('value');
    expect(dead.arrived[0]!.attributes[FailureHeader.error]).toMatch(/^DecodeError: /);
  });

  it('answers 500 when the dead-letter topic does not exist, so Pub/Sub redelivers', async () => {
    const definition = defineConsumer('stock.reserve', async () => {
      throw new PermanentError('bad');
    });
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    const response = await post(envelopeOf(name('no-dlq'), { type: 'ReserveStock', data: 1 }));
    expect(response.status).toBe(500);
  });

  it('answers 400 to a body that is not a push envelope, without running the handler', async () => {
    let calls = 0;
    const definition = defineConsumer('stock.reserve', async () => {
      calls++;
    });
    const post = await serve(createPubSubPushHandler(definition, { bus, pubsub }));
    expect((await post('not json')).status).toBe(400);
    expect((await post({ message: { data: 'e30=' } })).status).toBe(400);
    const response = await post({ subscription: 'projects/p/subscriptions/s', message: {} });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('message.messageId');
    expect(calls).toBe(0);
  });

  it('runs as a Functions Framework HTTP function, whose Express body parser read the JSON already', async () => {
    const seen: unknown[] = [];
    const definition = defineConsumer('stock.reserve', async (message) => {
      seen.push(message.data);
    });
    http('pushed', createPubSubPushHandler(definition, { bus, pubsub }));
    const server = getTestServer('pushed');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelopeOf(name('framework'), { type: 'ReserveStock', data: { n: 1 } })),
      });
      expect(response.status).toBe(204);
      expect(seen).toEqual([{ n: 1 }]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
