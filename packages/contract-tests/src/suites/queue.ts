import type { MessageInput } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect, createMeter, RFC_3339, sleep, UUID_V7 } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

/** Point-to-point queues: what goes in comes out, once, intact. */
export function queueSuite(scenario: DefineScenario): void {
  describe('queue', () => {
    scenario(
      'queue.round-trip',
      'a sent message arrives with every envelope field and header intact',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('round-trip');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const sent = {
          id: scope.id(),
          type: 'OrderPlaced',
          source: 'ct-orders-service',
          subject: 'order-42',
          time: '2025-01-02T03:04:05.678Z',
          data: { orderId: 'order-42', total: 99.5, items: [{ sku: 'sku-1', quantity: 2 }], note: null },
          headers: { 'x-tenant': 'acme', 'x-trace': 'trace-7' },
          correlationId: 'ct-correlation-1',
          causationId: 'ct-causation-1',
        };
        await bus.producer(queue).send(sent);

        await scope.waitForCount(received, 1, queue);
        expect(received.messages[0]).toEqual({ ...sent, attempt: 1 });
      },
    );

    scenario(
      'queue.defaults',
      'a message sent with only type and data gets an id, source, time and no headers',
      async (scope) => {
        const { bus, source } = await scope.open();
        const queue = scope.name('defaults');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const before = Date.now();
        await bus.producer(queue).send({ type: 'StockChecked', data: { sku: 'sku-1' } });
        const after = Date.now();

        await scope.waitForCount(received, 1, queue);
        const message = received.messages[0]!;
        expect(message.id).toMatch(UUID_V7);
        expect(message.type).toBe('StockChecked');
        expect(message.source).toBe(source);
        expect(message.data).toEqual({ sku: 'sku-1' });
        expect(message.headers).toEqual({});
        expect(message.attempt).toBe(1);
        expect(message.time).toMatch(RFC_3339);
        const time = Date.parse(message.time);
        expect(time).toBeGreaterThanOrEqual(before - 1_000);
        expect(time).toBeLessThanOrEqual(after + 1_000);
        expect(message.subject).toBeUndefined();
        expect(message.correlationId).toBeUndefined();
        expect(message.causationId).toBeUndefined();
        expect(message.key).toBeUndefined();
      },
    );

    scenario('queue.json-data', 'data of every JSON kind arrives exactly as sent', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('json-data');
      const received = collect();
      await bus.consumer(queue, received.handler).start();

      const payloads: unknown[] = [
        null,
        0,
        -1.5,
        1e21,
        true,
        false,
        '',
        'plain text',
        'quotes " and \\ backslashes\nand a newline\ttab',
        'grüße 世界 🚀',
        [],
        [1, 'two', null, { three: 3 }],
        {},
        { nested: { deeper: { deepest: [{ x: 1 }, { y: [true, null] }] } } },
      ];
      const sent = payloads.map((data, index) => ({ id: scope.id(), type: `DataKind${index}`, data }));
      await bus.producer(queue).send(sent);

      await scope.waitForCount(received, sent.length, queue);
      for (const message of sent) expect(received.first(message.id)?.data).toEqual(message.data);
    });

    scenario(
      'queue.unicode-headers',
      'header values with unicode, quotes and newlines arrive unchanged',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('headers');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const headers = {
          'x-greeting': 'grüße 世界 🚀',
          'x-quoted': 'a "quoted" \\ value; with=separators, and: colons',
          'x-multiline': 'line one\nline two',
          'x-long': 'v'.repeat(500),
        };
        await bus.producer(queue).send({ type: 'HeadersSent', data: null, headers });

        await scope.waitForCount(received, 1, queue);
        expect(received.messages[0]!.headers).toEqual(headers);
      },
    );

    scenario('queue.batch-send', 'a batch send delivers every message once', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('batch');
      const received = collect<{ n: number }>();
      await bus.consumer(queue, received.handler).start();

      const batch = Array.from({ length: 5 }, (_, n) => ({ id: scope.id(), type: 'BatchItem', data: { n } }));
      await bus.producer(queue).send(batch);

      await scope.waitForCount(received, 5, queue);
      await scope.settle();
      expect(received.count()).toBe(5);
      for (const message of batch) {
        expect(received.timesSeen(message.id)).toBe(1);
        expect(received.first(message.id)?.data).toEqual(message.data);
      }
    });

    scenario(
      'queue.large-batch',
      'a batch of 250 messages is split as the transport needs and arrives whole',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('large-batch');
        const received = collect<{ n: number }>();
        await bus.consumer(queue, received.handler, { concurrency: 25 }).start();

        const batch = Array.from({ length: 250 }, (_, n) => ({
          id: scope.id(),
          type: 'BulkItem',
          data: { n },
        }));
        await bus.producer(queue).send(batch);

        await scope.waitForCount(received, 250, queue);
        await scope.settle();
        expect(received.count()).toBe(250);
        expect(received.distinctIds()).toEqual(new Set(batch.map((message) => message.id)));
      },
    );

    scenario(
      'queue.sent-before-start',
      'messages sent before a consumer starts wait for it',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('before-start');
        const ids = [scope.id(), scope.id(), scope.id()];
        await bus.producer(queue).send(ids.map((id) => ({ id, type: 'Waiting', data: null })));

        const received = collect();
        await bus.consumer(queue, received.handler).start();
        await scope.waitForCount(received, 3, queue);
        expect(received.distinctIds()).toEqual(new Set(ids));
      },
    );

    scenario(
      'queue.competing-consumers',
      'two consumers of one queue share its messages without duplicates',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('competing');
        const first = collect();
        const second = collect();
        await bus.consumer(queue, first.handler, { concurrency: 2 }).start();
        await bus.consumer(queue, second.handler, { concurrency: 2 }).start();

        const batch = Array.from({ length: 30 }, (_, n) => ({ id: scope.id(), type: 'Shared', data: { n } }));
        await bus.producer(queue).send(batch);

        await scope.waitFor(() => first.count() + second.count() >= 30, '30 arrivals across both consumers');
        await scope.settle();
        const all = [...first.messages, ...second.messages].map((message) => message.id);
        expect(all).toHaveLength(30);
        expect(new Set(all)).toEqual(new Set(batch.map((message) => message.id)));
      },
    );

    scenario(
      'queue.concurrency-limit',
      'a consumer never runs more handlers at once than its concurrency',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('concurrency');
        const meter = createMeter();
        const received = collect(() => meter.run(() => sleep(60)));
        await bus.consumer(queue, received.handler, { concurrency: 3 }).start();

        await bus.producer(queue).send(Array.from({ length: 12 }, (_, n) => ({ type: 'Work', data: { n } })));

        await scope.waitForCount(received, 12, queue);
        await scope.waitFor(() => meter.current === 0, 'the last handler to finish');
        expect(meter.max).toBeLessThanOrEqual(3);
      },
    );

    scenario(
      'queue.concurrency-parallel',
      'a consumer with concurrency above 1 runs handlers in parallel',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('parallel');
        const meter = createMeter();
        const received = collect(() => meter.run(() => sleep(250)));
        await bus.consumer(queue, received.handler, { concurrency: 4 }).start();

        await bus.producer(queue).send(Array.from({ length: 8 }, (_, n) => ({ type: 'Work', data: { n } })));

        await scope.waitForCount(received, 8, queue);
        await scope.waitFor(() => meter.current === 0, 'the last handler to finish');
        expect(meter.max).toBeGreaterThan(1);
        expect(meter.max).toBeLessThanOrEqual(4);
      },
    );

    scenario(
      'queue.concurrency-one',
      'a consumer with concurrency 1 handles one message at a time',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('serial');
        const meter = createMeter();
        const received = collect(() => meter.run(() => sleep(30)));
        await bus.consumer(queue, received.handler, { concurrency: 1 }).start();

        await bus.producer(queue).send(Array.from({ length: 6 }, (_, n) => ({ type: 'Work', data: { n } })));

        await scope.waitForCount(received, 6, queue);
        await scope.waitFor(() => meter.current === 0, 'the last handler to finish');
        expect(meter.max).toBe(1);
      },
    );

    scenario(
      'queue.isolation',
      'a message sent to one queue never reaches the consumer of another',
      async (scope) => {
        const { bus } = await scope.open();
        const queueA = scope.name('iso-a');
        const queueB = scope.name('iso-b');
        const receivedA = collect();
        const receivedB = collect();
        await bus.consumer(queueA, receivedA.handler).start();
        await bus.consumer(queueB, receivedB.handler).start();

        const forA = [scope.id(), scope.id()];
        const forB = scope.id();
        await bus.producer(queueA).send(forA.map((id) => ({ id, type: 'ForA', data: null })));
        await bus.producer(queueB).send({ id: forB, type: 'ForB', data: null });

        await scope.waitForCount(receivedA, 2, queueA);
        await scope.waitForCount(receivedB, 1, queueB);
        await scope.settle();
        expect(receivedA.distinctIds()).toEqual(new Set(forA));
        expect(receivedA.count()).toBe(2);
        expect(receivedB.messages.map((message) => message.id)).toEqual([forB]);
      },
    );

    scenario(
      'queue.acked-not-redelivered',
      'a handled message is not delivered again, even after a restart',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('acked');
        const received = collect();
        const consumer = bus.consumer(queue, received.handler);
        await consumer.start();

        const id = scope.id();
        await bus.producer(queue).send({ id, type: 'Once', data: null });
        await scope.waitForCount(received, 1, queue);
        await scope.settle();
        await consumer.stop();
        await consumer.start();

        // A sentinel sent after the restart proves the consumer is fetching again.
        const sentinel = scope.id();
        await bus.producer(queue).send({ id: sentinel, type: 'Sentinel', data: null });
        await scope.waitFor(() => received.timesSeen(sentinel) === 1, 'the sentinel');
        await scope.settle();
        expect(received.timesSeen(id)).toBe(1);
      },
    );

    scenario(
      'queue.restart',
      'a stopped consumer that starts again receives what was sent meanwhile',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('restart');
        const received = collect();
        const consumer = bus.consumer(queue, received.handler);
        await consumer.start();
        await consumer.stop();

        const sent: MessageInput[] = [
          { id: scope.id(), type: 'WhileStopped', data: 1 },
          { id: scope.id(), type: 'WhileStopped', data: 2 },
        ];
        await bus.producer(queue).send(sent);
        await scope.settle();
        expect(received.count()).toBe(0);

        await consumer.start();
        await scope.waitForCount(received, 2, queue);
        expect(received.distinctIds()).toEqual(new Set(sent.map((message) => message.id)));
      },
    );
  });
}
