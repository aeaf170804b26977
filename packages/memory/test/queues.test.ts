import { FailureHeader } from '@omnibus/core';
import type { Delivery } from '@omnibus/core/transport';
import { describe, expect, it } from 'vitest';
import { consumeOptions, dataOf, encoded, encodedMany, recorder, setup, unique } from './support.js';

const queueRef = (queue: string) => ({ kind: 'queue', queue }) as const;

describe('memory queues', () => {
  it('delivers a message with its attributes and body unchanged, attempt 1', async () => {
    const { broker, transport } = setup();
    const queue = unique('round-trip');
    const message = encoded({
      data: { orderId: 'o-1', amount: 12.5 },
      headers: { tenant: 't-9' },
      key: 'k',
      subject: 's',
    });
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await transport.send(queue, [message], {});
    await broker.waitForIdle();

    expect(seen.deliveries).toHaveLength(1);
    const delivery = seen.deliveries[0]!;
    expect(delivery.attempt).toBe(1);
    expect(delivery.message.id).toBe(message.id);
    expect(delivery.message.key).toBe('k');
    expect(delivery.message.attributes).toEqual(message.attributes);
    expect(dataOf(delivery.message)).toEqual({ orderId: 'o-1', amount: 12.5 });
    expect(broker.inspect(queue)).toEqual({
      ready: 0,
      inFlight: 0,
      delayed: 0,
      consumers: 1,
      deadLetters: 0,
    });
  });

  it('keeps messages sent before any consumer, and delivers a batch in order', async () => {
    const { broker, transport } = setup();
    const queue = unique('batch');
    await transport.send(queue, encodedMany(250), {});
    expect(broker.inspect(queue).ready).toBe(250);
    expect(broker.peek(queue).map((message) => message.data)).toEqual(
      Array.from({ length: 250 }, (_, index) => ({ index })),
    );

    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, { ...consumeOptions, concurrency: 1 });
    await broker.waitForIdle();
    expect(seen.data()).toEqual(Array.from({ length: 250 }, (_, index) => ({ index })));
    expect(broker.inspect(queue).ready).toBe(0);
  });

  it('never has more than `concurrency` unsettled deliveries per consumer', async () => {
    const { broker, transport } = setup();
    const queue = unique('concurrency');
    const held: Delivery[] = [];
    let maxHeld = 0;
    await transport.consume(
      queueRef(queue),
      async (delivery) => {
        held.push(delivery);
        maxHeld = Math.max(maxHeld, held.length);
      },
      { ...consumeOptions, concurrency: 3 },
    );
    await transport.send(queue, encodedMany(10), {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(held).toHaveLength(3);
    expect(broker.inspect(queue)).toMatchObject({ ready: 7, inFlight: 3 });

    // Settle one at a time: each settle lets exactly one more in.
    while (held.length > 0) {
      await held.shift()!.ack();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(maxHeld).toBe(3);
    expect(broker.inspect(queue)).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('shares a queue between competing consumers without duplicates', async () => {
    const { broker, transport } = setup();
    const queue = unique('competing');
    const first = recorder(async (delivery) => {
      await new Promise((resolve) => setImmediate(resolve));
      await delivery.ack();
    });
    const second = recorder(async (delivery) => {
      await new Promise((resolve) => setImmediate(resolve));
      await delivery.ack();
    });
    await transport.consume(queueRef(queue), first.handler, { ...consumeOptions, concurrency: 4 });
    await transport.consume(queueRef(queue), second.handler, { ...consumeOptions, concurrency: 4 });
    await transport.send(queue, encodedMany(200), {});
    await broker.waitForIdle();

    const ids = [...first.deliveries, ...second.deliveries].map((delivery) => delivery.message.id);
    expect(new Set(ids).size).toBe(200);
    expect(ids).toHaveLength(200);
    expect(first.deliveries.length).toBeGreaterThan(50);
    expect(second.deliveries.length).toBeGreaterThan(50);
  });

  it('redelivers a retried message with attempts 1, 2, 3 and honours the retry delay in virtual time', async () => {
    const { broker, clock, transport } = setup();
    const queue = unique('retry');
    const seen = recorder((delivery) => (delivery.attempt < 3 ? delivery.retry(1_000) : delivery.ack()));
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await transport.send(queue, [encoded()], {});
    await broker.waitForIdle();
    expect(seen.deliveries.map((delivery) => delivery.attempt)).toEqual([1]);
    expect(broker.inspect(queue)).toMatchObject({ delayed: 1, ready: 0 });

    clock.advance(999);
    await broker.waitForIdle();
    expect(seen.deliveries).toHaveLength(1);
    clock.advance(1);
    await broker.waitForIdle();
    expect(seen.deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2]);
    clock.advance(1_000);
    await broker.waitForIdle();
    expect(seen.deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.deliveries.map((delivery) => delivery.message.id)).size).toBe(1);
    expect(broker.inspect(queue)).toMatchObject({ delayed: 0, ready: 0, inFlight: 0 });
  });

  it('dead-letters with the original message plus failure headers, readable by a dead-letter consumer', async () => {
    const { broker, transport } = setup();
    const queue = unique('dead');
    const original = encoded({ data: { sku: 'A' }, headers: { tenant: 't' } });
    await transport.consume(
      queueRef(queue),
      (delivery) =>
        delivery.deadLetter({
          reason: 'Error: out of stock',
          headers: {
            [FailureHeader.error]: 'Error: out of stock',
            [FailureHeader.attempts]: String(delivery.attempt),
          },
        }),
      consumeOptions,
    );
    await transport.send(queue, [original], {});
    await broker.waitForIdle();

    expect(broker.inspect(queue)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 1 });
    const [dead] = broker.peekDeadLetters(queue);
    expect(dead).toMatchObject({
      id: original.id,
      type: 'TestHappened',
      data: { sku: 'A' },
      reason: 'Error: out of stock',
      headers: { tenant: 't', 'omnibus-error': 'Error: out of stock', 'omnibus-attempts': '1' },
    });
    expect(dead!.encoded.body).toEqual(original.body);
    expect(broker.inspect(`${queue}.dlq`).ready).toBe(1);

    const inspector = recorder();
    await transport.consume({ kind: 'dead-letter', of: queueRef(queue) }, inspector.handler, consumeOptions);
    await broker.waitForIdle();
    expect(inspector.deliveries.map((delivery) => delivery.message.id)).toEqual([original.id]);
    expect(inspector.deliveries[0]!.attempt).toBe(1);
    expect(broker.inspect(queue).deadLetters).toBe(0);
  });

  it('does not deliver a delayed message before it is due', async () => {
    const { broker, clock, transport } = setup();
    const queue = unique('delay');
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await transport.send(queue, [encoded({ data: 'late' })], { delayMs: 30_000 });
    await transport.send(queue, [encoded({ data: 'now' })], {});
    await broker.waitForIdle();
    expect(seen.data()).toEqual(['now']);
    expect(broker.inspect(queue).delayed).toBe(1);

    clock.advance(29_999);
    await broker.waitForIdle();
    expect(seen.data()).toEqual(['now']);
    clock.advance(1);
    await broker.waitForIdle();
    expect(seen.data()).toEqual(['now', 'late']);
  });

  it('delivers delayed messages in due order, equal due times in send order', async () => {
    const { broker, clock, transport } = setup();
    const queue = unique('delay-order');
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, { ...consumeOptions, concurrency: 1 });
    await transport.send(queue, [encoded({ data: 'c' })], { delayMs: 300 });
    await transport.send(queue, [encoded({ data: 'a1' }), encoded({ data: 'a2' })], { delayMs: 100 });
    await transport.send(queue, [encoded({ data: 'b' })], { delayMs: 200 });
    clock.advance(1_000);
    await broker.waitForIdle();
    expect(seen.data()).toEqual(['a1', 'a2', 'b', 'c']);
  });

  it('orders by key: one at a time per key, in send order, across retries; other keys proceed', async () => {
    const { broker, clock, transport } = setup();
    const queue = unique('ordered');
    const log: string[] = [];
    const active = new Set<string>();
    let overlap = false;
    await transport.consume(
      queueRef(queue),
      async (delivery) => {
        const { key, data } = { key: delivery.message.key!, data: dataOf(delivery.message) as string };
        if (active.has(key)) overlap = true;
        active.add(key);
        await new Promise((resolve) => setImmediate(resolve));
        active.delete(key);
        log.push(`${data}#${delivery.attempt}`);
        if (data === 'a2' && delivery.attempt === 1) return delivery.retry(500);
        return delivery.ack();
      },
      { ...consumeOptions, concurrency: 8, ordering: 'key' },
    );
    const messages = ['a1', 'b1', 'a2', 'b2', 'a3', 'b3'].map((data) => encoded({ data, key: data[0] }));
    await transport.send(queue, messages, { ordering: 'key' });
    await broker.waitForIdle();
    // a3 waits behind a2's retry; b keeps going.
    expect(log.filter((entry) => entry.startsWith('a'))).toEqual(['a1#1', 'a2#1']);
    expect(log.filter((entry) => entry.startsWith('b'))).toEqual(['b1#1', 'b2#1', 'b3#1']);
    expect(broker.inspect(queue)).toMatchObject({ ready: 1, delayed: 1 });

    clock.advance(500);
    await broker.waitForIdle();
    expect(log.filter((entry) => entry.startsWith('a'))).toEqual(['a1#1', 'a2#1', 'a2#2', 'a3#1']);
    expect(overlap).toBe(false);
  });

  it('stop() takes no new work, waits for handed-out deliveries, and is idempotent', async () => {
    const { broker, transport } = setup();
    const queue = unique('stop');
    const held: Delivery[] = [];
    const subscription = await transport.consume(
      queueRef(queue),
      async (delivery) => {
        held.push(delivery);
      },
      { ...consumeOptions, concurrency: 2 },
    );
    await transport.send(queue, encodedMany(5), {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(held).toHaveLength(2);

    let stopped = false;
    const stopping = subscription.stop().then(() => {
      stopped = true;
    });
    await held[0]!.ack();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect(held).toHaveLength(2);
    await held[1]!.ack();
    await stopping;
    expect(stopped).toBe(true);
    await subscription.stop();
    expect(broker.inspect(queue)).toMatchObject({ ready: 3, inFlight: 0, consumers: 0 });
  });

  it('ignores a second settle of the same delivery', async () => {
    const { broker, transport } = setup();
    const queue = unique('double-settle');
    const seen = recorder(async (delivery) => {
      await delivery.ack();
      await delivery.retry(0);
      await delivery.deadLetter({ reason: 'x', headers: {} });
    });
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await transport.send(queue, [encoded()], {});
    await broker.waitForIdle();
    expect(seen.deliveries).toHaveLength(1);
    expect(broker.inspect(queue)).toMatchObject({ ready: 0, deadLetters: 0 });
  });

  it('redelivers the unsettled deliveries of a lost consumer after the visibility timeout', async () => {
    const { broker, clock, transport } = setup({ visibilityTimeoutMs: 5_000 });
    const queue = unique('lease');
    const first: Delivery[] = [];
    await transport.consume(queueRef(queue), async (delivery) => void first.push(delivery), consumeOptions);
    await transport.send(queue, encodedMany(2), {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(first).toHaveLength(2);

    expect(broker.faults.crashConsumers(queue)).toBe(1);
    await first[0]!.ack(); // too late: the broker no longer listens to that consumer
    const second = recorder();
    await transport.consume(queueRef(queue), second.handler, consumeOptions);
    await new Promise((resolve) => setImmediate(resolve));
    expect(second.deliveries).toHaveLength(0);
    expect(broker.inspect(queue)).toMatchObject({ inFlight: 2 });

    clock.advance(5_000);
    await broker.waitForIdle();
    expect(second.deliveries.map((delivery) => delivery.attempt)).toEqual([2, 2]);
    expect(second.deliveries.map((delivery) => delivery.message.id).sort()).toEqual(
      first.map((delivery) => delivery.message.id).sort(),
    );
  });

  it('dead-letters a lost delivery that was on its last attempt when its lease runs out', async () => {
    const { broker, clock, transport } = setup({ visibilityTimeoutMs: 1_000 });
    const queue = unique('lease-exhausted');
    await transport.consume(queueRef(queue), async () => {}, { ...consumeOptions, maxAttempts: 1 });
    await transport.send(queue, [encoded({ data: 'doomed' })], {});
    await new Promise((resolve) => setImmediate(resolve));
    broker.faults.crashConsumers(queue);
    clock.advance(1_000);
    const [dead] = broker.peekDeadLetters(queue);
    expect(dead).toMatchObject({
      data: 'doomed',
      headers: { [FailureHeader.attempts]: '1', [FailureHeader.failedQueue]: queue },
    });
    expect(dead!.reason).toMatch(/^LeaseExpired/);
  });

  it('close() drops attached consumers like a lost connection and is idempotent', async () => {
    const { broker, clock, transport } = setup({ visibilityTimeoutMs: 100 });
    const queue = unique('close');
    await transport.consume(queueRef(queue), async () => {}, consumeOptions);
    await transport.send(queue, [encoded()], {});
    await new Promise((resolve) => setImmediate(resolve));
    await transport.close();
    await transport.close();
    await expect(transport.send(queue, [encoded()], {})).rejects.toMatchObject({ name: 'ClosedError' });
    clock.advance(100);
    expect(broker.inspect(queue)).toMatchObject({ ready: 1, inFlight: 0, consumers: 0 });
    expect(broker.peek(queue)[0]!.attempt).toBe(2);
  });

  it('refuses an oversized message before storing any of the batch', async () => {
    const { broker, transport } = setup({ maxMessageBytes: 1_024 });
    const queue = unique('size');
    expect(transport.capabilities.maxMessageBytes).toBe(1_024);
    const small = encoded({ data: 'ok' });
    const large = encoded({ data: 'x'.repeat(2_000) });
    await expect(transport.send(queue, [small, large], {})).rejects.toMatchObject({
      name: 'MessageTooLargeError',
      maxBytes: 1_024,
    });
    await transport.send(queue, [small], {});
    expect(broker.inspect(queue).ready).toBe(1);
  });

  it('counts multi-byte characters when checking size', async () => {
    const { transport } = setup({ maxMessageBytes: 600 });
    // 150 three-byte characters: 450 bytes of body, under the limit as UTF-16 units but not as bytes plus attributes.
    const message = encoded({ data: '€'.repeat(150) });
    await expect(transport.send(unique('utf8'), [message], {})).rejects.toMatchObject({
      name: 'MessageTooLargeError',
    });
  });

  it('paces a tight send loop so it cannot run far ahead of a consumer', async () => {
    const { broker, transport } = setup();
    const queue = unique('paced');
    let handled = 0;
    await transport.consume(
      queueRef(queue),
      (delivery) => {
        handled++;
        return delivery.ack();
      },
      { ...consumeOptions, concurrency: 100 },
    );
    const batch = encodedMany(100);
    let deepest = 0;
    for (let round = 0; round < 1_000; round++) {
      await transport.send(queue, batch, {});
      deepest = Math.max(deepest, broker.inspect(queue).ready);
    }
    await broker.waitForIdle();
    expect(handled).toBe(100_000);
    expect(deepest).toBeLessThan(20_000);
  });

  it('holds 100,000 messages and drains them in order through a ring buffer', async () => {
    const { broker, transport } = setup();
    const queue = unique('deep');
    const batch = encodedMany(1_000);
    for (let round = 0; round < 100; round++) await transport.send(queue, batch, {});
    expect(broker.inspect(queue).ready).toBe(100_000);
    let count = 0;
    let ordered = true;
    await transport.consume(
      queueRef(queue),
      (delivery) => {
        if ((dataOf(delivery.message) as { index: number }).index !== count % 1_000) ordered = false;
        count++;
        return delivery.ack();
      },
      { ...consumeOptions, concurrency: 64 },
    );
    await broker.waitForIdle();
    expect(count).toBe(100_000);
    expect(ordered).toBe(true);
  });
});
