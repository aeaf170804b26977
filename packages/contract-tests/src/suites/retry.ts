import { FailureHeader } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect, createGate } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

/** Quick retries, so the scenarios spend their time on behaviour rather than waiting. */
const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/** A failed handler is retried with backoff, with `attempt` counting up, and never lost. */
export function retrySuite(scenario: DefineScenario): void {
  describe('retry', () => {
    scenario(
      'retry.then-success',
      'a failing message is retried with attempts 1, 2, 3 and then succeeds',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('retry-ok');
        const received = collect((message) => {
          if (message.attempt < 3) throw new Error(`transient failure on attempt ${message.attempt}`);
        });
        const dead = collect();
        await bus.consumer(queue, received.handler, { retry: { attempts: 5, backoff: QUICK } }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        await bus.producer(queue).send({ type: 'Flaky', data: null });

        await scope.waitForCount(received, 3, queue);
        await scope.settle();
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2, 3]);
        expect(dead.count()).toBe(0);
      },
    );

    scenario(
      'retry.keeps-envelope',
      'every retry carries the same id, type, data, headers and correlation',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('retry-same');
        const received = collect((message) => {
          if (message.attempt < 3) throw new Error('again');
        });
        await bus.consumer(queue, received.handler, { retry: { attempts: 3, backoff: QUICK } }).start();

        const sent = {
          id: scope.id(),
          type: 'Flaky',
          subject: 'subject-1',
          data: { amount: 12, tags: ['a', 'b'] },
          headers: { 'x-tenant': 'acme' },
          correlationId: 'ct-correlation-retry',
        };
        await bus.producer(queue).send(sent);

        await scope.waitForCount(received, 3, queue);
        const [first, ...rest] = received.messages;
        for (const message of rest) expect({ ...message, attempt: 1 }).toEqual(first);
        expect(first).toMatchObject({ ...sent, attempt: 1 });
      },
    );

    scenario(
      'retry.backoff-delays',
      'retries wait at least the backoff delay before the next attempt',
      async (scope) => {
        const { bus } = await scope.open();
        const retryDelay = bus.capabilities.retryDelay;
        if (retryDelay === false) return scope.skip('transport declares retryDelay: false');
        if (retryDelay.maxMs < 600)
          return scope.skip(`transport declares retryDelay.maxMs ${retryDelay.maxMs} (< 600)`);
        const queue = scope.name('backoff');
        const failedAt: number[] = [];
        const received = collect((message) => {
          if (message.attempt < 3) {
            failedAt.push(Date.now());
            throw new Error('again');
          }
        });
        const backoff = { initialMs: 300, factor: 2, maxMs: 1_000, jitter: false };
        await bus.consumer(queue, received.handler, { retry: { attempts: 3, backoff } }).start();

        await bus.producer(queue).send({ type: 'Slow', data: null });

        await scope.waitForCount(received, 3, queue);
        const [, second, third] = received.arrivals;
        // Lower bounds only: a broker may be late, never early. 10 ms allows for timer granularity.
        expect(second!.at - failedAt[0]!).toBeGreaterThanOrEqual(300 - 10);
        expect(third!.at - failedAt[1]!).toBeGreaterThanOrEqual(600 - 10);
      },
    );

    scenario(
      'retry.sync-throw',
      'a handler that throws synchronously is retried like one that rejects',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('sync-throw');
        const received = collect((message) => {
          if (message.attempt === 1) throw new Error('thrown synchronously');
          return 'ok';
        });
        await bus.consumer(queue, received.handler, { retry: { attempts: 3, backoff: QUICK } }).start();

        await bus.producer(queue).send({ type: 'Flaky', data: null });

        await scope.waitForCount(received, 2, queue);
        await scope.settle();
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2]);
      },
    );

    scenario(
      'retry.non-error-thrown',
      'a handler throwing a non-Error is retried, then dead-lettered with the value',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('non-error');
        const received = collect(() => {
          throw 'plain string failure';
        });
        const dead = collect();
        await bus.consumer(queue, received.handler, { retry: { attempts: 2, backoff: QUICK } }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const id = scope.id();
        await bus.producer(queue).send({ id, type: 'Odd', data: null });

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2]);
        const letter = dead.messages[0]!;
        expect(letter.id).toBe(id);
        expect(letter.headers[FailureHeader.error]).toContain('plain string failure');
        expect(letter.headers[FailureHeader.attempts]).toBe('2');
      },
    );

    scenario('retry.should-retry', 'shouldRetry returning false dead-letters at once', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('should-retry');
      const received = collect(() => {
        throw new Error('fatal: account closed');
      });
      const dead = collect();
      const shouldRetry = (error: Error) => !error.message.startsWith('fatal');
      await bus
        .consumer(queue, received.handler, { retry: { attempts: 5, backoff: QUICK, shouldRetry } })
        .start();
      await bus.deadLetters(queue).consume(dead.handler).start();

      await bus.producer(queue).send({ type: 'Doomed', data: null });

      await scope.waitForCount(dead, 1, `${queue} dead letters`);
      await scope.settle();
      expect(received.count()).toBe(1);
      expect(dead.messages[0]!.headers[FailureHeader.attempts]).toBe('1');
      expect(dead.messages[0]!.headers[FailureHeader.error]).toBe('Error: fatal: account closed');
    });

    scenario('retry.disabled', 'retry: false dead-letters on the first failure', async (scope) => {
      const { bus } = await scope.open();
      const queue = scope.name('no-retry');
      const received = collect(() => {
        throw new Error('no second chance');
      });
      const dead = collect();
      await bus.consumer(queue, received.handler, { retry: false }).start();
      await bus.deadLetters(queue).consume(dead.handler).start();

      await bus.producer(queue).send({ type: 'Doomed', data: null });

      await scope.waitForCount(dead, 1, `${queue} dead letters`);
      await scope.settle();
      expect(received.count()).toBe(1);
      expect(dead.messages[0]!.headers[FailureHeader.attempts]).toBe('1');
    });

    scenario(
      'retry.dead-letter-off',
      'with deadLetter: false an exhausted message keeps being retried, never dropped',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dlq-off');
        const received = collect((message) => {
          if (message.attempt < 4) throw new Error('still failing');
        });
        const dead = collect();
        await bus
          .consumer(queue, received.handler, {
            retry: { attempts: 2, backoff: { ...QUICK, maxMs: 50 } },
            deadLetter: false,
          })
          .start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        await bus.producer(queue).send({ type: 'Stubborn', data: null });

        await scope.waitForCount(received, 4, queue);
        await scope.settle();
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2, 3, 4]);
        expect(dead.count()).toBe(0);
      },
    );

    scenario(
      'retry.handler-timeout',
      'handlerTimeoutMs aborts ctx.signal and the attempt is retried',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('timeout');
        const abortedInFirst = createGate();
        let sawAbort = false;
        const received = collect(async (message, context) => {
          if (message.attempt > 1) return;
          // The first attempt hangs until the consumer gives up on it.
          await new Promise<void>((resolve) => {
            context.signal.addEventListener('abort', () => resolve(), { once: true });
            setTimeout(resolve, scope.patienceMs);
          });
          sawAbort = context.signal.aborted;
          abortedInFirst.open();
        });
        await bus
          .consumer(queue, received.handler, {
            handlerTimeoutMs: 200,
            retry: { attempts: 3, backoff: QUICK },
          })
          .start();

        await bus.producer(queue).send({ type: 'Hangs', data: null });

        await scope.waitForCount(received, 2, queue);
        await abortedInFirst.opened;
        expect(sawAbort).toBe(true);
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2]);
        expect(received.arrivals[1]!.abortedOnEntry).toBe(false);
      },
    );
  });
}
