import { FailureHeader, idempotency, MemoryIdempotencyStore, type Middleware } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect, createMeter, sleep } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/**
 * At-least-once delivery with an exactly-once effect: the idempotency middleware over each
 * transport's real redelivery. An outer middleware counts deliveries, so each scenario can tell
 * "the duplicate arrived and was skipped" from "the duplicate never came".
 */
export function idempotencySuite(scenario: DefineScenario): void {
  describe('idempotency', () => {
    scenario(
      'idempotency.duplicate-once',
      'the same message id sent twice runs the handler once',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dup');
        const deliveries = countDeliveries();
        const effects = collect();
        const store = new MemoryIdempotencyStore();
        await bus
          .consumer(queue, effects.handler, { middleware: [deliveries.middleware, idempotency({ store })] })
          .start();

        const duplicate = { id: scope.id(), type: 'ChargeCard', data: { orderId: 'o-1', amount: 20 } };
        await bus.producer(queue).send(duplicate);
        await bus.producer(queue).send(duplicate);
        const other = { id: scope.id(), type: 'ChargeCard', data: { orderId: 'o-2', amount: 30 } };
        await bus.producer(queue).send(other);

        await scope.waitFor(() => deliveries.of(duplicate.id) >= 2, 'both copies to arrive');
        await scope.waitFor(() => effects.timesSeen(other.id) === 1, 'the other message');
        await scope.settle();
        expect(effects.timesSeen(duplicate.id)).toBe(1);
        expect(effects.timesSeen(other.id)).toBe(1);
      },
    );

    scenario(
      'idempotency.concurrent-duplicates',
      'a duplicate arriving while the first copy runs is not run concurrently, nor twice',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dup-concurrent');
        const deliveries = countDeliveries();
        const meter = createMeter();
        const effects = collect(() => meter.run(() => sleep(200)));
        const store = new MemoryIdempotencyStore();
        const dead = collect();
        await bus
          .consumer(queue, effects.handler, {
            concurrency: 4,
            retry: { attempts: 3, backoff: QUICK },
            middleware: [deliveries.middleware, idempotency({ store, lockMs: 1_000 })],
          })
          .start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const duplicate = { id: scope.id(), type: 'ChargeCard', data: { orderId: 'o-1', amount: 20 } };
        await bus.producer(queue).send([duplicate, duplicate]);

        await scope.waitFor(() => deliveries.of(duplicate.id) >= 2, 'both copies to arrive');
        await scope.waitFor(() => effects.count() === 1 && meter.current === 0, 'the first copy to finish');
        await scope.pause(1_500);
        expect(effects.count()).toBe(1);
        expect(meter.max).toBe(1);
        expect(dead.count()).toBe(0);
      },
    );

    scenario(
      'idempotency.failure-releases',
      'a handler that throws releases its key, so the retry runs',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dup-release');
        const deliveries = countDeliveries();
        const effects = collect((message) => {
          if (message.attempt === 1) throw new Error('payment gateway timed out');
        });
        const store = new MemoryIdempotencyStore();
        await bus
          .consumer(queue, effects.handler, {
            retry: { attempts: 3, backoff: QUICK },
            middleware: [deliveries.middleware, idempotency({ store })],
          })
          .start();

        const message = { id: scope.id(), type: 'ChargeCard', data: { orderId: 'o-9', amount: 5 } };
        await bus.producer(queue).send(message);
        await scope.waitForCount(effects, 2, queue);

        await bus.producer(queue).send(message);
        await scope.waitFor(() => deliveries.of(message.id) >= 3, 'the later duplicate to arrive');
        await scope.settle();
        expect(effects.messages.map((handled) => handled.attempt)).toEqual([1, 2]);
      },
    );

    scenario(
      'idempotency.custom-key',
      'a key function makes different ids with the same business key run once',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dup-key');
        const deliveries = countDeliveries();
        const effects = collect();
        const store = new MemoryIdempotencyStore();
        const key = (message: { data: unknown }) => (message.data as { orderId: string }).orderId;
        await bus
          .consumer(queue, effects.handler, {
            middleware: [deliveries.middleware, idempotency({ store, key })],
          })
          .start();

        const data = { orderId: 'o-77', amount: 10 };
        await bus.producer(queue).send([
          { id: scope.id(), type: 'ChargeCard', data },
          { id: scope.id(), type: 'ChargeCard', data },
        ]);

        await scope.waitFor(() => deliveries.total() >= 2, 'both messages to arrive');
        await scope.settle();
        expect(effects.count()).toBe(1);
      },
    );

    scenario('idempotency.distinct-ids', 'messages with different ids all run', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('dup-distinct');
      const effects = collect();
      const store = new MemoryIdempotencyStore();
      await bus.consumer(queue, effects.handler, { middleware: [idempotency({ store })] }).start();

      const data = { orderId: 'o-1', amount: 1 };
      const ids = Array.from({ length: 5 }, () => scope.id());
      await bus.producer(queue).send(ids.map((id) => ({ id, type: 'ChargeCard', data })));

      await scope.waitForCount(effects, 5, queue);
      expect(effects.distinctIds()).toEqual(new Set(ids));
    });

    scenario(
      'idempotency.conflicting-payload',
      'a reused id with a different payload is dead-lettered, not skipped',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dup-conflict');
        const effects = collect();
        const store = new MemoryIdempotencyStore();
        await bus.consumer(queue, effects.handler, { middleware: [idempotency({ store })] }).start();
        const dead = collect<{ amount: number }>();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const id = scope.id();
        await bus.producer(queue).send({ id, type: 'ChargeCard', data: { amount: 10 } });
        await scope.waitForCount(effects, 1, queue);
        await bus.producer(queue).send({ id, type: 'ChargeCard', data: { amount: 99 } });

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        expect(effects.count()).toBe(1);
        expect(dead.messages[0]!.data).toEqual({ amount: 99 });
        expect(dead.messages[0]!.headers[FailureHeader.error]).toMatch(/^IdempotencyConflictError: /);
      },
    );
  });
}

/** An outermost middleware counting every delivery per message id, duplicates included. */
function countDeliveries(): { middleware: Middleware; of(id: string): number; total(): number } {
  const counts = new Map<string, number>();
  const middleware: Middleware = (message, _context, next) => {
    counts.set(message.id, (counts.get(message.id) ?? 0) + 1);
    return next();
  };
  return {
    middleware,
    of: (id) => counts.get(id) ?? 0,
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
  };
}
