import {
  FailureHeader,
  idempotency,
  type Message,
  MemoryIdempotencyStore,
  PermanentError,
} from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/** Records every batch a batch handler was given. */
function batches<T>() {
  const seen: (readonly Message<T>[])[] = [];
  return {
    seen,
    messages: () => seen.flat(),
    attemptsOf: (data: T) =>
      seen
        .flat()
        .filter((message) => message.data === data)
        .map((message) => message.attempt),
  };
}

/**
 * Batch consumers: the handler takes up to `size` messages at once and settles them as a whole or
 * per message, while retries, dead letters and idempotency still apply to each message on its own.
 */
export function batchSuite(scenario: DefineScenario): void {
  describe('batch', () => {
    scenario(
      'batch.sizes',
      'a batch handler gets every message once, in batches of at most size, a partial one after waitMs',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('batch-sizes');
        const record = batches<number>();
        await bus
          .consumer<number>(queue, async (messages) => void record.seen.push(messages), {
            batch: { size: 4, waitMs: 200 },
          })
          .start();
        await bus
          .producer(queue)
          .send(Array.from({ length: 10 }, (_, index) => ({ type: 'N', data: index })));
        await scope.waitFor(() => record.messages().length >= 10, 'ten messages in batches');
        await scope.settle();
        expect(record.seen.every((batch) => batch.length >= 1 && batch.length <= 4)).toBe(true);
        expect(
          record
            .messages()
            .map((message) => message.data)
            .sort((a, b) => a - b),
        ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // Ten messages in batches of at most four: some batch was flushed by waitMs, not by size.
        expect(record.seen.some((batch) => batch.length < 4)).toBe(true);
      },
    );

    scenario(
      'batch.partial-failure',
      'a partial result retries only the messages it names; the others are acknowledged once',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('batch-partial');
        const record = batches<number>();
        await bus
          .consumer<number>(
            queue,
            async (messages) => {
              record.seen.push(messages);
              return {
                failures: messages
                  .filter((message) => message.data % 2 === 1 && message.attempt === 1)
                  .map((message) => ({ id: message.id, error: new Error('odd numbers fail once') })),
              };
            },
            { batch: { size: 6, waitMs: 200 }, retry: { attempts: 3, backoff: QUICK } },
          )
          .start();
        await bus.producer(queue).send(Array.from({ length: 6 }, (_, index) => ({ type: 'N', data: index })));
        await scope.waitFor(() => record.messages().length >= 9, 'six first attempts and three retries');
        await scope.settle();
        for (const even of [0, 2, 4]) expect(record.attemptsOf(even)).toEqual([1]);
        for (const odd of [1, 3, 5]) expect(record.attemptsOf(odd)).toEqual([1, 2]);
      },
    );

    scenario(
      'batch.whole-failure',
      'a batch handler that throws has every message of the batch retried',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('batch-whole');
        const record = batches<number>();
        await bus
          .consumer<number>(
            queue,
            async (messages) => {
              record.seen.push(messages);
              if (messages.some((message) => message.attempt === 1)) throw new Error('the batch failed');
            },
            { batch: { size: 3, waitMs: 200 }, retry: { attempts: 3, backoff: QUICK } },
          )
          .start();
        await bus.producer(queue).send(Array.from({ length: 3 }, (_, index) => ({ type: 'N', data: index })));
        await scope.waitFor(
          () => record.messages().filter((m) => m.attempt === 2).length >= 3,
          'three retries',
        );
        await scope.settle();
        for (const data of [0, 1, 2]) expect(record.attemptsOf(data)).toEqual([1, 2]);
      },
    );

    scenario(
      'batch.dead-letter-per-message',
      'failed messages of a batch are dead-lettered one by one with their reason; the rest are not',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('batch-dlq');
        const record = batches<number>();
        const dead = collect<number>();
        await bus
          .consumer<number>(
            queue,
            async (messages) => {
              record.seen.push(messages);
              return {
                failures: messages.flatMap((message) =>
                  message.data === 0
                    ? [{ id: message.id, error: new PermanentError('zero is refused') }]
                    : message.data === 1
                      ? [{ id: message.id, error: new Error('one always fails') }]
                      : [],
                ),
              };
            },
            { batch: { size: 4, waitMs: 200 }, retry: { attempts: 2, backoff: QUICK } },
          )
          .start();
        await bus.deadLetters(queue).consume(dead.handler).start();
        await bus.producer(queue).send(Array.from({ length: 4 }, (_, index) => ({ type: 'N', data: index })));
        await scope.waitForCount(dead, 2, `${queue} dead letters`);
        await scope.settle();
        expect(dead.messages.map((message) => message.data).sort()).toEqual([0, 1]);
        const zero = dead.messages.find((message) => message.data === 0)!;
        const one = dead.messages.find((message) => message.data === 1)!;
        expect(zero.headers[FailureHeader.error]).toBe('PermanentError: zero is refused');
        expect(zero.headers[FailureHeader.attempts]).toBe('1');
        expect(one.headers[FailureHeader.error]).toBe('Error: one always fails');
        expect(one.headers[FailureHeader.attempts]).toBe('2');
        expect(record.attemptsOf(0)).toEqual([1]);
        expect(record.attemptsOf(1)).toEqual([1, 2]);
        expect(record.attemptsOf(2)).toEqual([1]);
        expect(record.attemptsOf(3)).toEqual([1]);
      },
    );

    scenario(
      'batch.idempotency-per-message',
      'with the idempotency middleware, a duplicate of a handled message never reaches a batch',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('batch-idempotent');
        const record = batches<number>();
        await bus
          .consumer<number>(queue, async (messages) => void record.seen.push(messages), {
            batch: { size: 3, waitMs: 200 },
            middleware: [idempotency({ store: new MemoryIdempotencyStore() })],
          })
          .start();
        const messages = [0, 1, 2].map((data) => ({ id: scope.id(), type: 'N', data }));
        await bus.producer(queue).send(messages);
        await scope.waitFor(() => record.messages().length >= 3, 'the first copies');
        await bus.producer(queue).send([...messages, { id: scope.id(), type: 'N', data: 3 }]);
        await scope.waitFor(() => record.messages().length >= 4, 'the new message');
        await scope.settle();
        expect(
          record
            .messages()
            .map((message) => message.data)
            .sort(),
        ).toEqual([0, 1, 2, 3]);
      },
    );

    scenario(
      'batch.subscription',
      'a topic subscription takes batches too, and ctx of each message stamps its causation',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('batch-topic'));
        const forwarded = scope.name('batch-forwarded');
        const record = batches<number>();
        const onward = collect<number>();
        await bus.consumer(forwarded, onward.handler).start();
        await topic
          .subscribe<number>(
            scope.name('batch-sub'),
            async (messages, context) => {
              record.seen.push(messages);
              for (const message of messages)
                await context.contextOf(message).send(forwarded, { type: 'Forwarded', data: message.data });
            },
            { batch: { size: 5, waitMs: 200 } },
          )
          .start();
        const sent = [0, 1, 2, 3, 4].map((data) => ({ id: scope.id(), type: 'N', data }));
        await topic.publish(sent);
        await scope.waitForCount(onward, 5, forwarded);
        await scope.settle();
        expect(record.messages()).toHaveLength(5);
        for (const message of onward.messages) {
          expect(message.causationId).toBe(sent[message.data]!.id);
        }
      },
    );
  });
}
