import { type MessageInput, MessageTooLargeError } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { type Collector, collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { Scope } from '../scope.js';

/** Oversized messages fail before any I/O, with a typed error; nothing of the batch is sent. */
export function limitsSuite(scenario: DefineScenario): void {
  describe('limits', () => {
    scenario(
      'limits.too-large-send',
      'an oversized message fails with MessageTooLargeError before I/O',
      async (scope) => {
        const { bus, calls, transport } = await scope.open();
        const max = bus.capabilities.maxMessageBytes;
        const queue = scope.name('too-large');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const attempt = bus.producer(queue).send({ type: 'Huge', data: 'x'.repeat(max + 1) });
        await expect(attempt).rejects.toSatisfy(MessageTooLargeError.isInstance);
        await expect(attempt).rejects.toMatchObject({
          code: 'message-too-large',
          maxBytes: max,
          transport: transport.name,
        });
        const error = (await attempt.catch((caught: unknown) => caught)) as MessageTooLargeError;
        expect(error.sizeBytes).toBeGreaterThan(max);
        expect(calls.send).toBe(0);
        await expectOnlySentinel(scope, received, (id) =>
          bus.producer(queue).send({ id, type: 'Sentinel', data: null }),
        );
      },
    );

    scenario(
      'limits.too-large-batch',
      'one oversized message fails the whole batch and none of it is sent',
      async (scope) => {
        const { bus, calls } = await scope.open();
        const max = bus.capabilities.maxMessageBytes;
        const queue = scope.name('too-large-batch');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const batch: MessageInput[] = [
          { type: 'Small', data: 1 },
          { type: 'Huge', data: 'x'.repeat(max + 1) },
          { type: 'Small', data: 2 },
        ];
        await expect(bus.producer(queue).send(batch)).rejects.toSatisfy(MessageTooLargeError.isInstance);
        expect(calls.send).toBe(0);
        await expectOnlySentinel(scope, received, (id) =>
          bus.producer(queue).send({ id, type: 'Sentinel', data: null }),
        );
      },
    );

    scenario(
      'limits.too-large-publish',
      'an oversized publish fails with MessageTooLargeError before I/O',
      async (scope) => {
        const { bus, calls } = await scope.open();
        const max = bus.capabilities.maxMessageBytes;
        const topic = bus.topic(scope.name('too-large-topic'));
        const received = collect();
        await topic.subscribe(scope.name('sub'), received.handler).start();

        await expect(topic.publish({ type: 'Huge', data: 'x'.repeat(max + 1) })).rejects.toSatisfy(
          MessageTooLargeError.isInstance,
        );
        expect(calls.publish).toBe(0);
        await expectOnlySentinel(scope, received, (id) =>
          topic.publish({ id, type: 'Sentinel', data: null }),
        );
      },
    );

    scenario(
      'limits.too-large-emit',
      'an oversized emit fails with MessageTooLargeError before I/O',
      async (scope) => {
        const open = await scope.open();
        const max = open.bus.capabilities.maxMessageBytes;
        const queue = scope.name('too-large-emit');
        const received = collect();
        await open.bus.consumer(queue, received.handler).start();
        await open.rule(scope.name('rule'), { pattern: { source: [open.source] }, target: { queue } });

        await expect(open.bus.emit({ type: 'Huge', data: 'x'.repeat(max + 1) })).rejects.toSatisfy(
          MessageTooLargeError.isInstance,
        );
        expect(open.calls.emit).toBe(0);
        await expectOnlySentinel(scope, received, (id) =>
          open.bus.emit({ id, type: 'Sentinel', data: null }),
        );
      },
    );

    scenario('limits.headers-count', 'headers count towards the size limit', async (scope) => {
      const { bus, calls } = await scope.open();
      const max = bus.capabilities.maxMessageBytes;
      const queue = scope.name('large-headers');
      const attempt = bus
        .producer(queue)
        .send({ type: 'SmallBody', data: null, headers: { 'x-bulk': 'h'.repeat(max) } });
      await expect(attempt).rejects.toSatisfy(MessageTooLargeError.isInstance);
      expect(calls.send).toBe(0);
    });

    scenario(
      'limits.too-large-context-send',
      'an oversized ctx.send rejects inside the handler and sends nothing',
      async (scope) => {
        const { bus } = await scope.open();
        const max = bus.capabilities.maxMessageBytes;
        const trigger = scope.name('ctx-too-large');
        const target = scope.name('ctx-target');
        const failures: unknown[] = [];
        const received = collect(async (_message, context) => {
          try {
            await context.send(target, { type: 'Huge', data: 'x'.repeat(max + 1) });
          } catch (error) {
            failures.push(error);
          }
        });
        await bus.consumer(trigger, received.handler).start();
        const downstream = collect();
        await bus.consumer(target, downstream.handler).start();

        await bus.producer(trigger).send({ type: 'Start', data: null });

        await scope.waitFor(() => failures.length === 1, 'the failed ctx.send');
        await scope.settle();
        expect(MessageTooLargeError.isInstance(failures[0])).toBe(true);
        expect(downstream.count()).toBe(0);
      },
    );
  });
}

/** Sends a sentinel, waits for it, and checks it is the only thing that ever arrived. */
async function expectOnlySentinel(
  scope: Scope,
  received: Collector,
  send: (id: string) => Promise<void>,
): Promise<void> {
  const sentinel = scope.id();
  await send(sentinel);
  await scope.waitFor(() => received.timesSeen(sentinel) === 1, 'the sentinel');
  await scope.settle();
  expect(received.messages.map((message) => message.id)).toEqual([sentinel]);
}
