import { defineMessage, FailureHeader, InvalidMessageError, PermanentError } from '@omnibus/core';
import { Attribute, type Delivery } from '@omnibus/core/transport';
import { describe, expect } from 'vitest';
import { collect, RFC_3339 } from '../harness.js';
import { amountSchema, rawMessage } from '../poison-fixtures.js';
import type { DefineScenario } from '../scenario.js';
import type { OpenBus, Scope } from '../scope.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/** Poison messages end in the dead-letter queue with the reason, never in a hot loop, never lost. */
export function deadLetterSuite(scenario: DefineScenario): void {
  describe('dead letters', () => {
    scenario(
      'dead-letter.exhausted',
      'after the last attempt a message is dead-lettered with the failure headers',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('exhausted');
        const received = collect(() => {
          throw new Error('inventory unavailable');
        });
        const dead = collect();
        await bus.consumer(queue, received.handler, { retry: { attempts: 3, backoff: QUICK } }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const sent = {
          id: scope.id(),
          type: 'ReserveStock',
          source: 'ct-orders',
          subject: 'order-7',
          time: '2025-03-04T05:06:07.890Z',
          data: { orderId: 'order-7', items: [{ sku: 'sku-1', quantity: 3 }] },
          headers: { 'x-tenant': 'acme' },
          correlationId: 'ct-correlation-dlq',
          causationId: 'ct-causation-dlq',
        };
        const before = Date.now();
        await bus.producer(queue).send(sent);

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await scope.settle();
        expect(received.messages.map((message) => message.attempt)).toEqual([1, 2, 3]);
        expect(dead.count()).toBe(1);
        const letter = dead.messages[0]!;
        const { headers, ...envelope } = letter;
        const { headers: sentHeaders, ...sentEnvelope } = sent;
        expect(envelope).toMatchObject(sentEnvelope);
        expect(headers).toEqual({
          ...sentHeaders,
          [FailureHeader.error]: 'Error: inventory unavailable',
          [FailureHeader.failedQueue]: queue,
          [FailureHeader.failedAt]: expect.stringMatching(RFC_3339),
          [FailureHeader.attempts]: '3',
        });
        const failedAt = Date.parse(headers[FailureHeader.failedAt]!);
        expect(failedAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(failedAt).toBeLessThanOrEqual(Date.now() + 1_000);
      },
    );

    scenario(
      'dead-letter.permanent-error',
      'PermanentError dead-letters at once and the consumer keeps going',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('permanent');
        const received = collect((message) => {
          if (message.type === 'Invalid') throw new PermanentError('card number is malformed');
        });
        const dead = collect();
        await bus.consumer(queue, received.handler, { retry: { attempts: 5, backoff: QUICK } }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const poison = scope.id();
        const good = scope.id();
        await bus.producer(queue).send({ id: poison, type: 'Invalid', data: { card: 'x' } });
        await bus.producer(queue).send({ id: good, type: 'Valid', data: { card: '4111' } });

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await scope.waitFor(() => received.timesSeen(good) === 1, 'the good message');
        await scope.settle();
        expect(received.timesSeen(poison)).toBe(1);
        expect(dead.messages[0]!.id).toBe(poison);
        expect(dead.messages[0]!.headers[FailureHeader.error]).toBe(
          'PermanentError: card number is malformed',
        );
        expect(dead.messages[0]!.headers[FailureHeader.attempts]).toBe('1');
      },
    );

    scenario(
      'dead-letter.error-name',
      'the error header reads `<name>: <message>` for a custom error class',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('error-name');
        class InventoryUnavailable extends Error {
          override name = 'InventoryUnavailable';
        }
        const received = collect(() => {
          throw new InventoryUnavailable('no stock for sku-9');
        });
        const dead = collect();
        await bus.consumer(queue, received.handler, { retry: false }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        await bus.producer(queue).send({ type: 'ReserveStock', data: { sku: 'sku-9' } });

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        expect(dead.messages[0]!.headers[FailureHeader.error]).toBe(
          'InventoryUnavailable: no stock for sku-9',
        );
      },
    );

    scenario(
      'dead-letter.undecodable-body',
      'a body that is not JSON is dead-lettered verbatim and the consumer keeps going',
      async (scope) => {
        const open = await scope.open();
        const queue = scope.name('undecodable');
        const received = collect();
        // Starting the consumer first also connects the transport and creates the queue.
        await open.bus.consumer(queue, received.handler).start();

        const broken = scope.id();
        await open.transport.send(queue, [rawMessage(broken, 'Broken', '{not json')], {});
        const good = scope.id();
        await open.bus.producer(queue).send({ id: good, type: 'Fine', data: { ok: true } });

        await scope.waitFor(() => received.timesSeen(good) === 1, 'the good message after the broken one');
        const letters = await readRawDeadLetters(scope, open, queue, 1);
        await scope.settle();
        expect(received.timesSeen(broken)).toBe(0);
        const letter = letters[0]!;
        expect(letter.message.attributes[Attribute.id]).toBe(broken);
        expect(new TextDecoder().decode(letter.message.body)).toBe('{not json');
        expect(letter.message.attributes[FailureHeader.error]).toMatch(/^DecodeError: /);
        expect(letter.message.attributes[FailureHeader.failedQueue]).toBe(queue);
        expect(letter.message.attributes[FailureHeader.attempts]).toBe('1');
      },
    );

    scenario(
      'dead-letter.missing-type',
      'a message without a type attribute is dead-lettered and the consumer keeps going',
      async (scope) => {
        const open = await scope.open();
        const queue = scope.name('no-type');
        const received = collect();
        await open.bus.consumer(queue, received.handler).start();

        const typeless = scope.id();
        const { [Attribute.type]: _dropped, ...attributes } = rawMessage(
          typeless,
          'Dropped',
          '{"fine":true}',
        ).attributes;
        await open.transport.send(
          queue,
          [{ id: typeless, attributes, body: new TextEncoder().encode('{"fine":true}') }],
          {},
        );
        const good = scope.id();
        await open.bus.producer(queue).send({ id: good, type: 'Fine', data: null });

        await scope.waitFor(() => received.timesSeen(good) === 1, 'the good message after the typeless one');
        const letters = await readRawDeadLetters(scope, open, queue, 1);
        expect(received.timesSeen(typeless)).toBe(0);
        expect(letters[0]!.message.attributes[Attribute.id]).toBe(typeless);
        expect(letters[0]!.message.attributes[FailureHeader.error]).toMatch(/^DecodeError: /);
      },
    );

    scenario(
      'dead-letter.schema-invalid',
      'a message failing its schema is dead-lettered at once; valid ones are handled',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('schema');
        const PaymentFailed = defineMessage('PaymentFailed', amountSchema);
        const amounts: number[] = [];
        const handled = collect(
          PaymentFailed.handler((message) => {
            amounts.push(message.data.amount);
          }),
        );
        const dead = collect();
        await bus.consumer(queue, handled.handler, { retry: { attempts: 5, backoff: QUICK } }).start();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const invalid = scope.id();
        // Sent without the schema (a foreign or older producer), so only the consumer can catch it.
        await bus.producer(queue).send({ id: invalid, type: 'PaymentFailed', data: { amount: 'lots' } });
        await bus.producer(queue).send(PaymentFailed.create({ amount: 1250 }));

        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await scope.waitFor(() => amounts.length === 1, 'the valid message');
        await scope.settle();
        expect(amounts).toEqual([1250]);
        expect(handled.timesSeen(invalid)).toBe(1);
        expect(dead.messages[0]!.id).toBe(invalid);
        expect(dead.messages[0]!.headers[FailureHeader.error]).toMatch(/^DecodeError: .*amount/);
        expect(dead.messages[0]!.headers[FailureHeader.attempts]).toBe('1');
      },
    );

    scenario(
      'dead-letter.schema-invalid-send',
      'a typed message failing its schema is refused at send, before I/O',
      async (scope) => {
        const { bus, calls } = await scope.open();
        const queue = scope.name('schema-send');
        const PaymentFailed = defineMessage('PaymentFailed', amountSchema);

        const invalid = PaymentFailed.create({ amount: 'lots' } as unknown as { amount: number });
        await expect(bus.producer(queue).send(invalid)).rejects.toSatisfy(InvalidMessageError.isInstance);
        expect(calls.send).toBe(0);
      },
    );

    scenario(
      'dead-letter.consume-and-ack',
      'a dead letter handled by a dead-letter consumer is gone afterwards',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dlq-ack');
        await bus.consumer(queue, () => Promise.reject(new PermanentError('rejected')), {}).start();
        const dead = collect();
        const inspector = bus.deadLetters(queue).consume(dead.handler);
        await inspector.start();

        const id = scope.id();
        await bus.producer(queue).send({ id, type: 'Rejected', data: { n: 1 } });
        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await scope.settle();
        await inspector.stop();
        await inspector.start();
        await scope.settle();
        expect(dead.timesSeen(id)).toBe(1);
        expect(dead.messages[0]!.data).toEqual({ n: 1 });
        expect(dead.messages[0]!.type).toBe('Rejected');
      },
    );

    scenario(
      'dead-letter.not-redelivered',
      'a dead-lettered message never comes back to the source consumer',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dlq-final');
        const received = collect((message) => {
          if (message.type === 'Poison') throw new PermanentError('poison');
        });
        const consumer = bus.consumer(queue, received.handler);
        await consumer.start();
        const dead = collect();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const poison = scope.id();
        await bus.producer(queue).send({ id: poison, type: 'Poison', data: null });
        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await consumer.stop();
        await consumer.start();
        const sentinel = scope.id();
        await bus.producer(queue).send({ id: sentinel, type: 'Sentinel', data: null });
        await scope.waitFor(() => received.timesSeen(sentinel) === 1, 'the sentinel');
        await scope.settle();
        expect(received.timesSeen(poison)).toBe(1);
        expect(dead.count()).toBe(1);
      },
    );

    scenario(
      'dead-letter.many',
      'several failing messages are each dead-lettered exactly once',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('dlq-many');
        await bus
          .consumer(queue, () => Promise.reject(new PermanentError('all rejected')), { concurrency: 4 })
          .start();
        const dead = collect<{ n: number }>();
        await bus.deadLetters(queue).consume(dead.handler).start();

        const batch = Array.from({ length: 8 }, (_, n) => ({
          id: scope.id(),
          type: 'Rejected',
          data: { n },
        }));
        await bus.producer(queue).send(batch);

        await scope.waitForCount(dead, 8, `${queue} dead letters`);
        await scope.settle();
        expect(dead.count()).toBe(8);
        for (const message of batch) expect(dead.first(message.id)?.data).toEqual(message.data);
      },
    );

    scenario(
      'dead-letter.per-queue',
      'dead letters of one queue do not appear among those of another',
      async (scope) => {
        const { bus } = await scope.open();
        const failing = scope.name('dlq-failing');
        const healthy = scope.name('dlq-healthy');
        await bus.consumer(failing, () => Promise.reject(new PermanentError('rejected'))).start();
        await bus.consumer(healthy, () => {}).start();
        const deadFailing = collect();
        const deadHealthy = collect();
        await bus.deadLetters(failing).consume(deadFailing.handler).start();
        await bus.deadLetters(healthy).consume(deadHealthy.handler).start();

        await bus.producer(failing).send({ type: 'Rejected', data: null });
        await bus.producer(healthy).send({ type: 'Accepted', data: null });

        await scope.waitForCount(deadFailing, 1, `${failing} dead letters`);
        await scope.settle();
        expect(deadHealthy.count()).toBe(0);
      },
    );
  });
}

/**
 * Reads the dead letters of `queue` through the transport SPI, acking each. Used where core could
 * not decode the dead letter either (that is why it is there), so only the raw view can inspect it.
 */
async function readRawDeadLetters(
  scope: Scope,
  open: OpenBus,
  queue: string,
  count: number,
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  const subscription = await open.transport.consume(
    { kind: 'dead-letter', of: { kind: 'queue', queue } },
    async (delivery) => {
      deliveries.push(delivery);
      await delivery.ack();
    },
    { concurrency: 1, ordering: 'none', maxAttempts: 1 },
  );
  try {
    await scope.waitFor(() => deliveries.length >= count, `${count} raw dead letters of ${queue}`);
  } finally {
    await subscription.stop();
  }
  return deliveries;
}
