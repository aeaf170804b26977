import { ClosedError } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect, createGate } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

/** Starting, stopping and closing: drain in-flight work, take no new work, idempotent everywhere. */
export function lifecycleSuite(scenario: DefineScenario): void {
  describe('lifecycle', () => {
    scenario('lifecycle.stop-drains', 'stop() waits for in-flight handlers to finish', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('drain');
      const gate = createGate();
      let finished = 0;
      const received = collect(async () => {
        await gate.opened;
        finished++;
      });
      const consumer = bus.consumer(queue, received.handler, { concurrency: 2 });
      await consumer.start();
      await bus.producer(queue).send({ type: 'Slow', data: null });
      await scope.waitForCount(received, 1, queue);

      let stopped = false;
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      await scope.pause(150);
      expect(stopped).toBe(false);
      gate.open();
      await stopping;
      expect(finished).toBe(1);
      expect(consumer.running).toBe(false);
    });

    scenario(
      'lifecycle.stop-takes-no-new-work',
      'a stopping consumer takes no new messages; a restart gets them, once',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('no-new-work');
        const gate = createGate();
        const received = collect(async (message) => {
          if (message.type === 'InFlight') await gate.opened;
        });
        const consumer = bus.consumer(queue, received.handler, { concurrency: 4 });
        await consumer.start();
        const inFlight = scope.id();
        await bus.producer(queue).send({ id: inFlight, type: 'InFlight', data: null });
        await scope.waitForCount(received, 1, queue);

        const stopping = consumer.stop();
        const duringStop = [scope.id(), scope.id()];
        await bus.producer(queue).send(duringStop.map((id) => ({ id, type: 'DuringStop', data: null })));
        gate.open();
        await stopping;
        const afterStop = scope.id();
        await bus.producer(queue).send({ id: afterStop, type: 'AfterStop', data: null });
        await scope.settle();
        expect(received.messages.map((message) => message.id)).toEqual([inFlight]);

        await consumer.start();
        await scope.waitForCount(received, 4, queue);
        await scope.settle();
        // The drained message was settled before stop() returned, so it does not come back.
        expect(received.timesSeen(inFlight)).toBe(1);
        for (const id of [...duringStop, afterStop]) expect(received.timesSeen(id)).toBe(1);
      },
    );

    scenario(
      'lifecycle.close-drains',
      'bus.close() waits for in-flight handlers and stops every consumer',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('close-drain');
        const gate = createGate();
        let finished = 0;
        const received = collect(async () => {
          await gate.opened;
          finished++;
        });
        const consumer = bus.consumer(queue, received.handler);
        await consumer.start();
        const idle = bus.topic(scope.name('idle-topic')).subscribe(scope.name('idle'), () => {});
        await idle.start();
        await bus.producer(queue).send({ type: 'Slow', data: null });
        await scope.waitForCount(received, 1, queue);

        let closed = false;
        const closing = bus.close().then(() => {
          closed = true;
        });
        await scope.pause(150);
        expect(closed).toBe(false);
        gate.open();
        await closing;
        expect(finished).toBe(1);
        expect(consumer.running).toBe(false);
        expect(idle.running).toBe(false);
      },
    );

    scenario('lifecycle.close-twice', 'close() twice, or twice at once, resolves', async (scope) => {
      const first = await scope.open();
      await first.bus.consumer(scope.name('close-twice'), () => {}).start();
      await expect(first.bus.close()).resolves.toBeUndefined();
      await expect(first.bus.close()).resolves.toBeUndefined();

      const second = await scope.open();
      await expect(Promise.all([second.bus.close(), second.bus.close()])).resolves.toEqual([
        undefined,
        undefined,
      ]);
    });

    scenario('lifecycle.use-after-close', 'using a closed bus fails with ClosedError', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('closed');
      const producer = bus.producer(queue);
      await bus.close();

      await expect(producer.send({ type: 'Late', data: null })).rejects.toSatisfy(ClosedError.isInstance);
      await expect(
        bus.topic(scope.name('closed-topic')).publish({ type: 'Late', data: null }),
      ).rejects.toSatisfy(ClosedError.isInstance);
      await expect(bus.emit({ type: 'Late', data: null })).rejects.toSatisfy(ClosedError.isInstance);
      await expect((async () => bus.consumer(queue, () => {}).start())()).rejects.toSatisfy(
        ClosedError.isInstance,
      );
    });

    scenario(
      'lifecycle.start-idempotent',
      'start() twice, or twice at once, does not deliver anything twice',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('start-twice');
        const received = collect();
        const consumer = bus.consumer(queue, received.handler);
        await Promise.all([consumer.start(), consumer.start()]);
        await consumer.start();

        const ids = Array.from({ length: 5 }, () => scope.id());
        await bus.producer(queue).send(ids.map((id) => ({ id, type: 'Once', data: null })));
        await scope.waitForCount(received, 5, queue);
        await scope.settle();
        expect(received.count()).toBe(5);
        expect(received.distinctIds()).toEqual(new Set(ids));
      },
    );

    scenario(
      'lifecycle.stop-idempotent',
      'stop() before start, twice, or twice at once, resolves',
      async (scope) => {
        const { bus } = await scope.open();
        const consumer = bus.consumer(scope.name('stop-twice'), () => {});
        await expect(consumer.stop()).resolves.toBeUndefined();
        await consumer.start();
        await expect(Promise.all([consumer.stop(), consumer.stop()])).resolves.toBeDefined();
        await expect(consumer.stop()).resolves.toBeUndefined();
      },
    );

    scenario('lifecycle.running', 'consumer.running follows start() and stop()', async (scope) => {
      const { bus } = await scope.open();
      const consumer = bus.consumer(scope.name('running'), () => {});
      expect(consumer.running).toBe(false);
      await consumer.start();
      expect(consumer.running).toBe(true);
      await consumer.stop();
      expect(consumer.running).toBe(false);
      await consumer.start();
      expect(consumer.running).toBe(true);
    });

    scenario(
      'lifecycle.two-buses',
      'a message sent by one bus is handled by another bus on the same broker',
      async (scope) => {
        const sender = await scope.open();
        const receiver = await scope.open();
        const queue = scope.name('two-buses');
        const received = collect();
        await receiver.bus.consumer(queue, received.handler).start();

        const id = scope.id();
        await sender.bus.producer(queue).send({ id, type: 'CrossBus', data: { from: 'sender' } });

        await scope.waitForCount(received, 1, queue);
        expect(received.messages[0]).toMatchObject({ id, source: sender.source, data: { from: 'sender' } });
      },
    );

    scenario(
      'lifecycle.two-buses-compete',
      'consumers on two buses share one queue without duplicates',
      async (scope) => {
        const first = await scope.open();
        const second = await scope.open();
        const queue = scope.name('two-compete');
        const onFirst = collect();
        const onSecond = collect();
        await first.bus.consumer(queue, onFirst.handler, { concurrency: 2 }).start();
        await second.bus.consumer(queue, onSecond.handler, { concurrency: 2 }).start();

        const ids = Array.from({ length: 20 }, () => scope.id());
        await first.bus.producer(queue).send(ids.map((id) => ({ id, type: 'Shared', data: null })));

        await scope.waitFor(() => onFirst.count() + onSecond.count() >= 20, '20 arrivals across both buses');
        await scope.settle();
        const all = [...onFirst.messages, ...onSecond.messages].map((message) => message.id);
        expect(all).toHaveLength(20);
        expect(new Set(all)).toEqual(new Set(ids));
      },
    );

    scenario(
      'lifecycle.closed-bus-releases',
      'after one bus closes, another bus receives everything sent afterwards',
      async (scope) => {
        const leaving = await scope.open();
        const staying = await scope.open();
        const queue = scope.name('handover');
        const onLeaving = collect();
        await leaving.bus.consumer(queue, onLeaving.handler).start();
        await leaving.bus.close();

        const ids = Array.from({ length: 5 }, () => scope.id());
        await staying.bus.producer(queue).send(ids.map((id) => ({ id, type: 'Handover', data: null })));
        const onStaying = collect();
        await staying.bus.consumer(queue, onStaying.handler).start();

        await scope.waitForCount(onStaying, 5, queue);
        expect(onStaying.distinctIds()).toEqual(new Set(ids));
        expect(onLeaving.count()).toBe(0);
      },
    );
  });
}
