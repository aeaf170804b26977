import type { Bus } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { Scope } from '../scope.js';

/** Timer slack: a timer may fire a millisecond or two before `Date.now()` says it is due. */
const SLACK_MS = 10;

/** Delayed delivery, where the transport declares it. Only lower bounds are asserted. */
export function delaySuite(scenario: DefineScenario): void {
  describe('delay', () => {
    scenario('delay.not-early', 'a delayed message is not delivered before its delay', async (scope) => {
      const { bus } = await scope.open();
      const delayMs = delayFor(scope, bus);
      const queue = scope.name('delay');
      const received = collect();
      await bus.consumer(queue, received.handler).start();

      const sentAt = Date.now();
      await bus.producer(queue).send({ type: 'Reminder', data: null }, { delayMs });

      await scope.waitForCount(received, 1, queue);
      expect(received.arrivals[0]!.at - sentAt).toBeGreaterThanOrEqual(delayMs - SLACK_MS);
    });

    scenario(
      'delay.others-not-held',
      'an undelayed message sent after a delayed one is not held back by it',
      async (scope) => {
        const { bus } = await scope.open();
        const delayMs = delayFor(scope, bus);
        const queue = scope.name('delay-mixed');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const delayed = scope.id();
        const immediate = scope.id();
        const sentAt = Date.now();
        await bus.producer(queue).send({ id: delayed, type: 'Later', data: null }, { delayMs });
        await bus.producer(queue).send({ id: immediate, type: 'Now', data: null });

        await scope.waitForCount(received, 2, queue);
        expect(received.messages.map((message) => message.id)).toEqual([immediate, delayed]);
        expect(received.arrivals[1]!.at - sentAt).toBeGreaterThanOrEqual(delayMs - SLACK_MS);
      },
    );

    scenario('delay.batch', 'every message of a delayed batch waits for the delay', async (scope) => {
      const { bus } = await scope.open();
      const delayMs = delayFor(scope, bus);
      const queue = scope.name('delay-batch');
      const received = collect();
      await bus.consumer(queue, received.handler).start();

      const sentAt = Date.now();
      await bus.producer(queue).send(
        Array.from({ length: 4 }, (_, n) => ({ type: 'Later', data: { n } })),
        { delayMs },
      );

      await scope.waitForCount(received, 4, queue);
      for (const arrival of received.arrivals)
        expect(arrival.at - sentAt).toBeGreaterThanOrEqual(delayMs - SLACK_MS);
    });

    scenario('delay.context-send', 'ctx.send with delayMs is not delivered early', async (scope) => {
      const { bus } = await scope.open();
      const delayMs = delayFor(scope, bus);
      const trigger = scope.name('delay-trigger');
      const target = scope.name('delay-target');
      let sentAt = 0;
      await bus
        .consumer(trigger, async (_message, context) => {
          sentAt = Date.now();
          await context.send(target, { type: 'FollowUp', data: null }, { delayMs });
        })
        .start();
      const received = collect();
      await bus.consumer(target, received.handler).start();

      await bus.producer(trigger).send({ type: 'Start', data: null });

      await scope.waitForCount(received, 1, target);
      expect(received.arrivals[0]!.at - sentAt).toBeGreaterThanOrEqual(delayMs - SLACK_MS);
    });
  });
}

/** A delay the transport accepts and a test can afford (1.5 s, or the transport's maximum if lower). */
function delayFor(scope: Scope, bus: Bus): number {
  const delay = bus.capabilities.delay;
  if (delay === false) return scope.skip('transport declares delay: false');
  return Math.min(1_500, delay.maxMs);
}
