import {
  type Bus,
  ConfigurationError,
  defineMessage,
  FailureHeader,
  idempotency,
  type Middleware,
  MemoryIdempotencyStore,
  PermanentError,
  UnsupportedFeatureError,
} from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import { amountSchema, rawMessage } from '../poison-fixtures.js';
import type { DefineScenario } from '../scenario.js';
import type { OpenBus, Scope } from '../scope.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/**
 * Operating dead letters: count, peek (with the failure envelope), redrive (exactly-once effects,
 * nothing lost when interrupted) and purge, through `bus.deadLetters(…)` on every transport that
 * declares `capabilities.deadLetterManagement`.
 */
export function deadLetterManagementSuite(scenario: DefineScenario): void {
  describe('dead-letter management', () => {
    scenario(
      'dead-letter-management.peek-envelope',
      'thrown, undecodable and schema-invalid poison messages are counted and peeked with their failure envelope, and stay',
      async (scope) => {
        const open = await openManaged(scope);
        const { bus } = open;
        const queue = scope.name('dlm-peek');
        const PaymentFailed = defineMessage('PaymentFailed', amountSchema);
        const handler = PaymentFailed.handler((message) => {
          if (message.data.amount > 100) throw new TypeError(`amount ${message.data.amount} too large`);
        });
        await bus.consumer(queue, handler, { retry: { attempts: 2, backoff: QUICK } }).start();

        const before = Date.now();
        const thrown = scope.id();
        await bus.producer(queue).send({
          id: thrown,
          type: 'PaymentFailed',
          data: { amount: 500 },
          correlationId: 'ct-dlm-correlation',
          headers: { 'x-tenant': 'acme' },
        });
        const invalid = scope.id();
        await bus.producer(queue).send({ id: invalid, type: 'PaymentFailed', data: { amount: 'lots' } });
        const broken = scope.id();
        await open.transport.send(queue, [rawMessage(broken, 'PaymentFailed', '{not json')], {});

        const dlq = bus.deadLetters(queue);
        await waitForDeadLetters(scope, bus, queue, 3);
        const letters = await peekAll(scope, bus, queue, 3);
        expect(letters.map((letter) => letter.id).sort()).toEqual([thrown, invalid, broken].sort());

        const byId = new Map(letters.map((letter) => [letter.id, letter]));
        const thrownLetter = byId.get(thrown)!;
        expect(thrownLetter).toMatchObject({
          type: 'PaymentFailed',
          data: { amount: 500 },
          decoded: true,
          correlationId: 'ct-dlm-correlation',
          headers: { 'x-tenant': 'acme' },
        });
        expect(thrownLetter.failure).toMatchObject({
          reason: 'TypeError: amount 500 too large',
          errorType: 'TypeError',
          attempts: 2,
          originalQueue: queue,
          redriven: 0,
        });
        for (const key of Object.keys(thrownLetter.headers)) expect(key.startsWith('omnibus-')).toBe(false);
        const failedAt = thrownLetter.failure.lastFailedAt!.getTime();
        expect(failedAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(failedAt).toBeLessThanOrEqual(Date.now() + 1_000);
        expect(thrownLetter.failure.firstFailedAt).toEqual(thrownLetter.failure.lastFailedAt);

        const invalidLetter = byId.get(invalid)!;
        expect(invalidLetter.decoded).toBe(true);
        expect(invalidLetter.data).toEqual({ amount: 'lots' });
        expect(invalidLetter.failure.errorType).toBe('DecodeError');
        expect(invalidLetter.failure.attempts).toBe(1);

        const brokenLetter = byId.get(broken)!;
        expect(brokenLetter.decoded).toBe(false);
        expect(brokenLetter.data).toBeUndefined();
        expect(new TextDecoder().decode(brokenLetter.body)).toBe('{not json');
        expect(brokenLetter.failure.errorType).toBe('DecodeError');
        expect(brokenLetter.failure.originalQueue).toBe(queue);

        // Peeking removed nothing.
        await scope.waitFor(
          async () => (await dlq.count()).count === 3,
          'the dead letters still there after peeking',
        );
        expect((await peekAll(scope, bus, queue, 3)).length).toBe(3);
      },
    );

    scenario(
      'dead-letter-management.redrive-exactly-once',
      'after the handler is fixed, redriven letters are handled exactly once, with id, correlation and trace kept and attempts reset',
      async (scope) => {
        const { bus } = await openManaged(scope);
        const queue = scope.name('dlm-redrive');
        const store = new MemoryIdempotencyStore();
        let fixed = false;
        const effects = new Map<string, number>();
        const received = collect((message) => {
          if (!fixed) throw new Error('database unavailable');
          effects.set(message.id, (effects.get(message.id) ?? 0) + 1);
        });
        // Outside idempotency: sees every delivery, including duplicates the handler never sees.
        const delivered: string[] = [];
        const recordDelivery: Middleware = (message, _context, next) => {
          delivered.push(message.id);
          return next();
        };
        await bus
          .consumer(queue, received.handler, {
            retry: { attempts: 2, backoff: QUICK },
            middleware: [recordDelivery, idempotency({ store })],
          })
          .start();

        const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
        const ids = [scope.id(), scope.id(), scope.id()];
        await bus.producer(queue).send(
          ids.map((id, n) => ({
            id,
            type: 'ChargeCard',
            data: { n },
            correlationId: `ct-corr-${n}`,
            headers: { traceparent },
          })),
        );
        await waitForDeadLetters(scope, bus, queue, 3);

        fixed = true;
        const result = await bus.deadLetters(queue).redrive();
        expect(result).toMatchObject({ moved: 3, skipped: 0, failed: 0 });
        await scope.waitFor(() => effects.size === 3, 'the three redriven messages handled');
        await scope.waitFor(
          async () => (await bus.deadLetters(queue).count()).count === 0,
          'an empty dead-letter queue',
        );

        // A redriven duplicate (a crash between the move and the removal) is recognised by its id.
        await bus.producer(queue).send({ id: ids[0]!, type: 'ChargeCard', data: { n: 0 } });
        await scope.waitFor(
          () => delivered.filter((id) => id === ids[0]).length === 4,
          'the duplicate delivered',
        );
        await scope.settle();
        expect([...effects.values()]).toEqual([1, 1, 1]);
        for (const [n, id] of ids.entries()) {
          const redriven = received.messages.filter((message) => message.id === id)[2]!;
          expect(redriven.attempt).toBe(1);
          expect(redriven.correlationId).toBe(`ct-corr-${n}`);
          expect(redriven.headers.traceparent).toBe(traceparent);
          expect(redriven.headers[FailureHeader.error]).toBeUndefined();
          expect(redriven.headers[FailureHeader.redriven]).toBe('1');
        }
      },
    );

    scenario(
      'dead-letter-management.redrive-refails',
      'a redriven letter that fails again keeps its first failure time and counts the redrive',
      async (scope) => {
        const { bus } = await openManaged(scope);
        const queue = scope.name('dlm-refail');
        await bus.consumer(queue, () => Promise.reject(new PermanentError('still broken'))).start();
        const id = scope.id();
        await bus.producer(queue).send({ id, type: 'Broken', data: null });
        await waitForDeadLetters(scope, bus, queue, 1);
        const [first] = await peekAll(scope, bus, queue, 1);

        await scope.pause(20);
        expect(await bus.deadLetters(queue).redrive()).toMatchObject({ moved: 1 });
        await scope.waitFor(async () => {
          const [again] = await bus.deadLetters(queue).peek({ limit: 1 });
          return again?.failure.redriven === 1;
        }, 'the letter dead-lettered again');
        const [again] = await peekAll(scope, bus, queue, 1);
        expect(again!.id).toBe(id);
        expect(again!.failure.firstFailedAt).toEqual(first!.failure.firstFailedAt);
        expect(again!.failure.lastFailedAt!.getTime()).toBeGreaterThan(
          first!.failure.lastFailedAt!.getTime(),
        );
      },
    );

    scenario(
      'dead-letter-management.redrive-selection',
      'redrive honours ids, pattern, limit and to; what is not selected stays',
      async (scope) => {
        const { bus } = await openManaged(scope);
        const queue = scope.name('dlm-select');
        const other = scope.name('dlm-select-to');
        await bus.consumer(queue, () => Promise.reject(new PermanentError('rejected'))).start();
        const moved = collect();
        await bus.consumer(other, moved.handler).start();

        const letters = Array.from({ length: 6 }, (_, n) => ({
          id: scope.id(),
          type: n < 4 ? 'OrderPlaced' : 'OrderCancelled',
          data: { n },
        }));
        await bus.producer(queue).send(letters);
        await waitForDeadLetters(scope, bus, queue, 6);
        const dlq = bus.deadLetters(queue);

        const byId = await dlq.redrive({ ids: [letters[0]!.id], to: other });
        expect(byId).toMatchObject({ moved: 1, failed: 0 });
        await scope.waitFor(() => moved.timesSeen(letters[0]!.id) === 1, 'the letter chosen by id');

        const byPattern = await dlq.redrive({ pattern: { type: ['OrderCancelled'] }, to: other });
        expect(byPattern).toMatchObject({ moved: 2, skipped: 3, failed: 0 });
        await scope.waitFor(() => moved.count() === 3, 'the letters chosen by pattern');
        expect(moved.timesSeen(letters[4]!.id)).toBe(1);
        expect(moved.timesSeen(letters[5]!.id)).toBe(1);

        const limited = await dlq.redrive({ limit: 2, to: other });
        expect(limited.moved).toBe(2);
        await scope.waitFor(() => moved.count() === 5, 'the two letters within the limit');
        await scope.waitFor(async () => (await dlq.count()).count === 1, 'one letter left');
        const [left] = await peekAll(scope, bus, queue, 1);
        expect(moved.timesSeen(left!.id)).toBe(0);
        await scope.settle();
        expect(moved.count()).toBe(5);
      },
    );

    scenario(
      'dead-letter-management.purge',
      'purge deletes the letters chosen by id or age, then all of them',
      async (scope) => {
        const { bus } = await openManaged(scope);
        const queue = scope.name('dlm-purge');
        await bus.consumer(queue, () => Promise.reject(new PermanentError('rejected'))).start();
        const ids = [scope.id(), scope.id(), scope.id(), scope.id()];
        await bus.producer(queue).send(ids.map((id) => ({ id, type: 'Rejected', data: null })));
        await waitForDeadLetters(scope, bus, queue, 4);
        const dlq = bus.deadLetters(queue);

        expect(await dlq.purge({ ids: [ids[0]!] })).toMatchObject({ purged: 1, failed: 0 });
        expect(await dlq.purge({ olderThan: new Date(Date.now() - 3_600_000) })).toMatchObject({
          purged: 0,
          skipped: 3,
        });
        await scope.waitFor(async () => (await dlq.count()).count === 3, 'three letters left');
        const left = await peekAll(scope, bus, queue, 3);
        expect(left.map((letter) => letter.id).sort()).toEqual(ids.slice(1).sort());

        expect(await dlq.purge({ olderThan: new Date(Date.now() + 60_000) })).toMatchObject({ purged: 3 });
        await scope.waitFor(async () => (await dlq.count()).count === 0, 'no letter left');
        expect(await dlq.peek({ limit: 10 })).toEqual([]);
      },
    );

    scenario(
      'dead-letter-management.redrive-interrupted',
      'a redrive cut off mid-way by closing its bus loses nothing, and idempotency absorbs any duplicate',
      async (scope) => {
        const first = await openManaged(scope);
        const queue = scope.name('dlm-interrupted');
        const failing = first.bus.consumer(queue, () => Promise.reject(new PermanentError('rejected')));
        await failing.start();
        const ids = Array.from({ length: 10 }, () => scope.id());
        await first.bus.producer(queue).send(ids.map((id, n) => ({ id, type: 'Job', data: { n } })));
        await waitForDeadLetters(scope, first.bus, queue, 10);
        await failing.stop();

        let progressed = 0;
        const redrive = first.bus.deadLetters(queue).redrive({
          ratePerSecond: 10,
          onProgress: (progress) => {
            progressed = progress.done;
          },
        });
        redrive.catch(() => {});
        await scope.waitFor(() => progressed >= 2, 'the redrive under way');
        await first.bus.close();
        const outcome = await redrive.then(
          (result) => result,
          () => undefined,
        );
        expect(outcome === undefined || outcome.moved < 10).toBe(true);

        const second = await openManaged(scope);
        const store = new MemoryIdempotencyStore();
        const effects = new Map<string, number>();
        const handled = collect((message) => {
          effects.set(message.id, (effects.get(message.id) ?? 0) + 1);
        });
        await second.bus.consumer(queue, handled.handler, { middleware: [idempotency({ store })] }).start();
        // Whatever the first redrive did not finish is still dead-lettered: finish it.
        await scope.waitFor(async () => {
          await second.bus.deadLetters(queue).redrive();
          return effects.size === 10;
        }, 'every message handled after finishing the redrive');
        await scope.settle();
        expect([...effects.keys()].sort()).toEqual([...ids].sort());
        expect([...effects.values()].every((count) => count === 1)).toBe(true);
        expect((await second.bus.deadLetters(queue).count()).count).toBe(0);
      },
    );

    scenario(
      'dead-letter-management.subscription',
      "a subscription's dead letters go back to that subscription alone, or elsewhere with `to`",
      async (scope) => {
        const { bus } = await openManaged(scope);
        const topic = bus.topic(scope.name('dlm-topic'));
        let fixed = false;
        const email = collect(() => {
          if (!fixed) throw new PermanentError('mail server down');
        });
        const sms = collect();
        await topic.subscribe('email', email.handler).start();
        await topic.subscribe('sms', sms.handler).start();
        const id = scope.id();
        await topic.publish({ id, type: 'OrderConfirmed', data: { orderId: 'o-1' } });
        const of = { topic: topic.name, subscription: 'email' };
        await scope.waitFor(
          async () => (await bus.deadLetters(of).count()).count === 1,
          'the subscription dead letter',
        );
        await scope.waitFor(() => sms.timesSeen(id) === 1, 'the other subscription handled it');
        const [letter] = await bus.deadLetters(of).peek({ limit: 1 });
        expect(letter?.failure.originalQueue).toBe(`${topic.name}/email`);

        fixed = true;
        if (bus.capabilities.deadLetterManagement?.redriveToSubscription) {
          expect(await bus.deadLetters(of).redrive()).toMatchObject({ moved: 1 });
          await scope.waitFor(() => email.timesSeen(id) === 2, 'the redriven letter on its subscription');
        } else {
          await expect(bus.deadLetters(of).redrive()).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
          const queue = scope.name('dlm-topic-to');
          const moved = collect();
          await bus.consumer(queue, moved.handler).start();
          expect(await bus.deadLetters(of).redrive({ to: queue })).toMatchObject({ moved: 1 });
          await scope.waitFor(() => moved.timesSeen(id) === 1, 'the redriven letter on the queue');
        }
        await scope.settle();
        expect(sms.timesSeen(id)).toBe(1);
      },
    );

    scenario(
      'dead-letter-management.capability-honesty',
      'dead-letter management is offered exactly when declared; invalid options fail before any I/O',
      async (scope) => {
        const { bus, transport, calls } = await scope.open();
        const queue = scope.name('dlm-honesty');
        const declared = transport.capabilities.deadLetterManagement;
        const dlq = bus.deadLetters(queue);
        if (!declared) {
          expect(transport.deadLetterStore).toBeUndefined();
          for (const operation of [
            () => dlq.count(),
            () => dlq.peek(),
            () => dlq.redrive(),
            () => dlq.purge(),
          ])
            await expect(operation()).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
          return;
        }
        expect(transport.deadLetterStore).toBeDefined();
        expect(['exact', 'approximate', 'scan']).toContain(declared.count);
        expect(['browse', 'lock']).toContain(declared.peek);
        expect(declared.redriveToSubscription).toBe(
          transport.deadLetterStore?.sendToSubscription !== undefined,
        );
        const refused = [
          () => dlq.peek({ limit: 0 }),
          () => dlq.redrive({ limit: -1 }),
          () => dlq.redrive({ ratePerSecond: 0 }),
          () => dlq.redrive({ ids: [] }),
          () => dlq.redrive({ to: '' }),
          () => dlq.purge({ olderThan: new Date('not a date') }),
        ];
        for (const operation of refused)
          await expect(operation()).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(dlq.redrive({ pattern: { type: 'not-an-array' } as never })).rejects.toThrow(/pattern/i);
        expect(calls.send).toBe(0);
      },
    );
  });
}

/** Opens a bus, skipping the scenario on a transport without dead-letter management. */
async function openManaged(scope: Scope): Promise<OpenBus> {
  const open = await scope.open();
  if (!open.transport.capabilities.deadLetterManagement)
    scope.skip('capabilities.deadLetterManagement is not declared');
  return open;
}

async function waitForDeadLetters(scope: Scope, bus: Bus, queue: string, count: number): Promise<void> {
  await scope.waitFor(
    async () => (await bus.deadLetters(queue).count()).count >= count,
    `${count} dead letters of ${queue}`,
  );
}

/** Peeks until `count` letters show (a lock-based peek may see fewer while others hold leases). */
async function peekAll(scope: Scope, bus: Bus, queue: string, count: number) {
  let letters = await bus.deadLetters(queue).peek({ limit: count + 5 });
  await scope.waitFor(
    async () => {
      letters = await bus.deadLetters(queue).peek({ limit: count + 5 });
      return letters.length >= count;
    },
    `${count} dead letters of ${queue} peeked`,
    () => `${letters.length} peeked`,
  );
  return letters;
}
