import type { Bus } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect, createMeter, type Meter, sleep } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { Scope } from '../scope.js';

/** Ordering by key, where the transport declares `ordering: 'key'`. */
export function orderingSuite(scenario: DefineScenario): void {
  describe('ordering', () => {
    scenario('ordering.per-key', 'messages with the same key are handled in send order', async (scope) => {
      const { bus } = await scope.open();
      requireOrdering(scope, bus);
      const queue = scope.name('ordered');
      const received = collect<{ key: string; n: number }>(() => sleep(Math.random() * 10));
      await bus.consumer(queue, received.handler, { ordering: 'key', concurrency: 6 }).start();

      const producer = bus.producer(queue, { ordering: 'key' });
      const keys = ['customer-a', 'customer-b', 'customer-c'];
      for (let n = 0; n < 10; n++) {
        for (const key of keys) await producer.send({ type: 'Step', key, data: { key, n } });
      }

      await scope.waitForCount(received, 30, queue);
      for (const key of keys) {
        const sequence = received.messages
          .filter((message) => message.key === key)
          .map((message) => message.data.n);
        expect(sequence).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    });

    scenario(
      'ordering.batch-order',
      'the messages of one batch with the same key are handled in batch order',
      async (scope) => {
        const { bus } = await scope.open();
        requireOrdering(scope, bus);
        const queue = scope.name('ordered-batch');
        const received = collect<{ n: number }>();
        await bus.consumer(queue, received.handler, { ordering: 'key', concurrency: 4 }).start();

        const batch = Array.from({ length: 20 }, (_, n) => ({
          type: 'Step',
          key: n % 2 === 0 ? 'even' : 'odd',
          data: { n },
        }));
        await bus.producer(queue, { ordering: 'key' }).send(batch);

        await scope.waitForCount(received, 20, queue);
        for (const key of ['even', 'odd']) {
          const sequence = received.messages
            .filter((message) => message.key === key)
            .map((message) => message.data.n);
          expect(sequence).toEqual(
            batch.filter((message) => message.key === key).map((message) => message.data.n),
          );
        }
      },
    );

    scenario('ordering.one-at-a-time', 'handlers for the same key never overlap', async (scope) => {
      const { bus } = await scope.open();
      requireOrdering(scope, bus);
      const queue = scope.name('one-at-a-time');
      const meters = new Map<string, Meter>();
      const received = collect((message) => {
        const key = message.key ?? '';
        let meter = meters.get(key);
        if (!meter) {
          meter = createMeter();
          meters.set(key, meter);
        }
        return meter.run(() => sleep(20));
      });
      await bus.consumer(queue, received.handler, { ordering: 'key', concurrency: 8 }).start();

      const producer = bus.producer(queue, { ordering: 'key' });
      await producer.send(
        Array.from({ length: 16 }, (_, n) => ({ type: 'Step', key: `key-${n % 2}`, data: { n } })),
      );

      await scope.waitForCount(received, 16, queue);
      await scope.waitFor(
        () => [...meters.values()].every((meter) => meter.current === 0),
        'the last handler to finish',
      );
      for (const meter of meters.values()) expect(meter.max).toBe(1);
    });

    scenario('ordering.keys-in-parallel', 'a slow key does not hold back other keys', async (scope) => {
      const { bus } = await scope.open();
      requireOrdering(scope, bus);
      const queue = scope.name('parallel-keys');
      let slowFinishedAt = 0;
      const received = collect(async (message) => {
        if (message.key === 'slow') {
          await sleep(1_500);
          slowFinishedAt = Date.now();
        }
      });
      await bus.consumer(queue, received.handler, { ordering: 'key', concurrency: 4 }).start();

      const producer = bus.producer(queue, { ordering: 'key' });
      await producer.send({ type: 'Slow', key: 'slow', data: null });
      await producer.send(
        Array.from({ length: 3 }, (_, n) => ({ type: 'Fast', key: `fast-${n}`, data: { n } })),
      );

      await scope.waitForCount(received, 4, queue);
      const fast = received.arrivals.filter((arrival) => arrival.message.key !== 'slow');
      expect(fast).toHaveLength(3);
      // Each fast key started while the slow one was still running.
      for (const arrival of fast) expect(slowFinishedAt === 0 || arrival.at < slowFinishedAt).toBe(true);
    });

    scenario('ordering.across-retry', 'order within a key holds when a message is retried', async (scope) => {
      const { bus } = await scope.open();
      requireOrdering(scope, bus);
      const queue = scope.name('ordered-retry');
      const handled: number[] = [];
      const received = collect<{ n: number }>((message) => {
        if (message.data.n === 1 && message.attempt === 1)
          throw new Error('first attempt of message 1 fails');
        handled.push(message.data.n);
      });
      const backoff = { initialMs: 20, maxMs: 100, factor: 2, jitter: false };
      await bus
        .consumer(queue, received.handler, {
          ordering: 'key',
          concurrency: 4,
          retry: { attempts: 5, backoff },
        })
        .start();

      const producer = bus.producer(queue, { ordering: 'key' });
      for (let n = 0; n < 5; n++) await producer.send({ type: 'Step', key: 'account-1', data: { n } });

      await scope.waitFor(
        () => handled.length === 5,
        'all five messages handled',
        () => received.describe(),
      );
      expect(handled).toEqual([0, 1, 2, 3, 4]);
      // Nothing after message 1 was even attempted before its retry succeeded.
      const attempts = received.messages.map((message) => `${message.data.n}#${message.attempt}`);
      expect(attempts).toEqual(['0#1', '1#1', '1#2', '2#1', '3#1', '4#1']);
    });

    scenario('ordering.key-kept', 'the ordering key arrives on the message', async (scope) => {
      const { bus } = await scope.open();
      requireOrdering(scope, bus);
      const queue = scope.name('key-kept');
      const received = collect();
      await bus.consumer(queue, received.handler, { ordering: 'key' }).start();

      await bus.producer(queue, { ordering: 'key' }).send({ type: 'Keyed', key: 'order-42', data: null });

      await scope.waitForCount(received, 1, queue);
      expect(received.messages[0]!.key).toBe('order-42');
    });
  });
}

function requireOrdering(scope: Scope, bus: Bus): void {
  if (bus.capabilities.ordering !== 'key')
    scope.skip(`transport declares ordering: ${bus.capabilities.ordering}`);
}
