import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { FailureHeader } from '@omnibus/core';
import { type Delivery, encodeMessage, type Transport } from '@omnibus/core/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpPubSubTransport } from '../src/index.js';
import { EMULATOR_HOST, emulatorAvailable, PROJECT_ID } from './emulator.js';

const available = await emulatorAvailable();
const name = (label: string) => `gt-${label}-${randomBytes(4).toString('hex')}`;

function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

// Behaviour only this transport has (the conformance suite covers the portable contract).
describe.skipIf(!available)('gcp-pubsub transport on the emulator', () => {
  let transport: Transport;
  const raw = new PubSub({ projectId: PROJECT_ID, apiEndpoint: EMULATOR_HOST, emulatorMode: true });

  beforeAll(async () => {
    transport = createGcpPubSubTransport({ projectId: PROJECT_ID, emulatorHost: EMULATOR_HOST });
    await transport.connect();
  });
  afterAll(async () => {
    await transport?.close();
    await raw.close();
  });

  it('carries attributes and body verbatim, and counts attempts from deliveryAttempt', async () => {
    const queue = name('verbatim');
    const message = encodeMessage(
      { type: 'Thing', data: { a: 'é' }, headers: { 'x.h': 'v' } },
      { source: 'test' },
    );
    await transport.send(queue, [message], {});
    const deliveries: Delivery[] = [];
    const subscription = await transport.consume(
      { kind: 'queue', queue },
      async (delivery) => {
        deliveries.push(delivery);
        if (deliveries.length === 1) await delivery.retry(0);
        else await delivery.ack();
      },
      { concurrency: 2, ordering: 'none', maxAttempts: 5 },
    );
    await waitFor(() => deliveries.length === 2, 'a redelivery');
    await subscription.stop();
    expect(deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2]);
    expect(deliveries[1]!.message.attributes).toEqual(message.attributes);
    expect(deliveries[1]!.message.body).toEqual(message.body);
    expect(deliveries[1]!.message.id).toBe(message.id);
  });

  it('holds a retried message back for the delay (modifyAckDeadline), not redelivering at once', async () => {
    const queue = name('delay');
    await transport.send(queue, [encodeMessage({ type: 'Later', data: 1 }, { source: 'test' })], {});
    const seenAt: number[] = [];
    const subscription = await transport.consume(
      { kind: 'queue', queue },
      async (delivery) => {
        seenAt.push(Date.now());
        if (seenAt.length === 1) await delivery.retry(2_000);
        else await delivery.ack();
      },
      { concurrency: 1, ordering: 'none', maxAttempts: 5 },
    );
    await waitFor(() => seenAt.length === 2, 'the delayed redelivery');
    await subscription.stop();
    expect(seenAt[1]! - seenAt[0]!).toBeGreaterThanOrEqual(1_900);
  });

  it('dead-letters with the failure headers, keeping id, body and attributes', async () => {
    const queue = name('dlq');
    const message = encodeMessage(
      { type: 'Poison', data: { n: 1 }, headers: { tenant: 't1' } },
      { source: 'test' },
    );
    await transport.send(queue, [message], {});
    const failure = { [FailureHeader.error]: 'Error: boom', [FailureHeader.attempts]: '1' };
    const source = { kind: 'queue', queue } as const;
    const main = await transport.consume(
      source,
      (delivery) => delivery.deadLetter({ reason: 'Error: boom', headers: failure }),
      {
        concurrency: 1,
        ordering: 'none',
        maxAttempts: 3,
      },
    );
    const dead: Delivery[] = [];
    const inspector = await transport.consume(
      { kind: 'dead-letter', of: source },
      async (delivery) => {
        dead.push(delivery);
        await delivery.ack();
      },
      { concurrency: 1, ordering: 'none', maxAttempts: 3 },
    );
    await waitFor(() => dead.length === 1, 'the dead letter');
    await Promise.all([main.stop(), inspector.stop()]);
    expect(dead[0]!.message.id).toBe(message.id);
    expect(dead[0]!.message.attributes).toEqual({ ...message.attributes, ...failure });
    expect(dead[0]!.message.body).toEqual(message.body);
  });

  it('turns a message Pub/Sub dead-lettered by itself into one with failure headers', async () => {
    const queue = name('native');
    const message = encodeMessage({ type: 'Crashy', data: null }, { source: 'test' });
    await transport.send(queue, [message], {});
    let attempts = 0;
    // A consumer that never settles well: it hands every delivery back, past Pub/Sub's 5 attempts.
    const main = await transport.consume(
      { kind: 'queue', queue },
      async (delivery) => {
        attempts = Math.max(attempts, delivery.attempt);
        await delivery.retry(0);
      },
      { concurrency: 1, ordering: 'none', maxAttempts: 5 },
    );
    const dead: Delivery[] = [];
    const inspector = await transport.consume(
      { kind: 'dead-letter', of: { kind: 'queue', queue } },
      async (delivery) => {
        dead.push(delivery);
        await delivery.ack();
      },
      { concurrency: 1, ordering: 'none', maxAttempts: 5 },
    );
    await waitFor(() => dead.length === 1, 'the native dead letter', 20_000);
    await Promise.all([main.stop(), inspector.stop()]);
    expect(attempts).toBe(5);
    expect(dead[0]!.message.id).toBe(message.id);
    expect(dead[0]!.message.attributes[FailureHeader.attempts]).toBe('5');
    expect(dead[0]!.message.attributes[FailureHeader.failedQueue]).toBe(queue);
    expect(Object.keys(dead[0]!.message.attributes).some((key) => key.startsWith('CloudPubSub'))).toBe(false);
  });

  it('with dead-lettering off, removes the policy and never forwards, counting attempts itself', async () => {
    const queue = name('dlq-off');
    const message = encodeMessage({ type: 'Stubborn', data: null }, { source: 'test' });
    // Sent first: the queue's subscription is created with the producer's 5-delivery policy, which
    // would forward the message after its fifth delivery.
    await transport.send(queue, [message], {});
    const [before] = await raw.subscription(queue).getMetadata();
    expect(before.deadLetterPolicy?.maxDeliveryAttempts).toBe(5);
    const attempts: number[] = [];
    const main = await transport.consume(
      { kind: 'queue', queue },
      async (delivery) => {
        if (delivery.message.id === message.id) attempts.push(delivery.attempt);
        if (delivery.message.id !== message.id) await delivery.ack();
        else if (delivery.attempt < 7) await delivery.retry(0);
        else await delivery.ack();
      },
      { concurrency: 1, ordering: 'none', maxAttempts: Number.POSITIVE_INFINITY },
    );
    // Another process sending to the queue leaves the consumer's choice alone.
    const producer = createGcpPubSubTransport({ projectId: PROJECT_ID, emulatorHost: EMULATOR_HOST });
    await producer.send(queue, [encodeMessage({ type: 'Next', data: null }, { source: 'test' })], {});
    await producer.close();
    await waitFor(() => attempts.length === 7, 'seven deliveries', 20_000);
    await main.stop();
    const [after] = await raw.subscription(queue).getMetadata();
    expect(after.deadLetterPolicy?.deadLetterTopic ?? '').toBe('');
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('routes only exactly matching events although the emulator ignores the stored filter', async () => {
    const target = name('target');
    const rule = name('rule');
    const { compilePattern } = await import('@omnibus/core');
    const pattern = { type: ['Big'], data: { amount: [{ numeric: ['>=', 100] }] } };
    await transport.putRule({
      name: rule,
      pattern,
      target: { queue: target },
      matches: compilePattern(pattern),
    });
    try {
      const [subscription] = await raw.subscription(`omnibus.events.rule.${rule}`).getMetadata();
      expect(subscription.filter).toBe('attributes.ce-type = "Big"');
      const events = [
        encodeMessage({ type: 'Big', data: { amount: 150 } }, { source: 'test' }),
        encodeMessage({ type: 'Big', data: { amount: 50 } }, { source: 'test' }),
        encodeMessage({ type: 'Small', data: { amount: 500 } }, { source: 'test' }),
      ];
      await transport.emit(events);
      const received: string[] = [];
      const consumer = await transport.consume(
        { kind: 'queue', queue: target },
        async (delivery) => {
          received.push(delivery.message.id);
          await delivery.ack();
        },
        { concurrency: 4, ordering: 'none', maxAttempts: 5 },
      );
      await waitFor(() => received.length >= 1, 'the routed event');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await consumer.stop();
      expect(received).toEqual([events[0]!.id]);
    } finally {
      await transport.deleteRule(rule);
    }
  });
});
