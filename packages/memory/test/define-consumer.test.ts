import {
  type Bus,
  ConfigurationError,
  createBus,
  defineConsumer,
  defineMessage,
  FailureHeader,
  idempotency,
  type Message,
  MemoryIdempotencyStore,
  PermanentError,
} from '@omnibus/core';
import { type Delivery, type EncodedMessage, encodeMessage, type FailureInfo } from '@omnibus/core/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryBroker, createMemoryTransport } from '../src/index.js';
import { unique } from './support.js';

// A function entry point in miniature: the platform delivered `message` with `attempt`; the entry
// point implements settling. Records which settle the runtime chose, so the decision is asserted.
type Settled =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'dead-letter'; readonly failure: FailureInfo };

function platformDelivery(message: EncodedMessage, attempt = 1) {
  const settled: Settled[] = [];
  const delivery: Delivery = {
    message,
    attempt,
    raw: { platform: 'test' },
    async ack() {
      settled.push({ kind: 'ack' });
    },
    async retry(delayMs) {
      settled.push({ kind: 'retry', delayMs });
    },
    async deadLetter(failure) {
      settled.push({ kind: 'dead-letter', failure });
    },
  };
  return { delivery, settled };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const buses: Bus[] = [];

async function openBus(): Promise<Bus> {
  const bus = await createBus({
    transport: createMemoryTransport({ broker: createMemoryBroker() }),
    source: 'function-tests',
    logger: silent,
  });
  buses.push(bus);
  return bus;
}

const encode = (input: { type?: string; data?: unknown; id?: string; correlationId?: string }) =>
  encodeMessage({ type: 'OrderPlaced', data: null, ...input }, { source: 'shop' });

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

describe('defineConsumer', () => {
  it('validates source, handler and options when defined', () => {
    expect(() => defineConsumer('', async () => {})).toThrow(ConfigurationError);
    expect(() => defineConsumer({ topic: 't', subscription: '' }, async () => {})).toThrow(
      ConfigurationError,
    );
    expect(() => defineConsumer('q', 'nope' as never)).toThrow(/handler function/);
    expect(() => defineConsumer('q', async () => {}, { retry: { attempts: 0 } })).toThrow(/retry.attempts/);
  });

  it('runs as a worker through bus.consumer(definition), with the same ctx stamping', async () => {
    const bus = await openBus();
    const queue = unique('worker');
    const replies = unique('replies');
    const received: Message[] = [];
    const definition = defineConsumer(queue, async (message, ctx) => {
      await ctx.send(replies, { type: 'Replied', data: { to: message.id } });
    });
    const seen = defineConsumer(replies, (message) => {
      received.push(message);
    });
    await bus.consumer(definition).start();
    await bus.consumer(seen).start();
    await bus.producer(queue).send({ id: 'order-1', type: 'OrderPlaced', data: {}, correlationId: 'flow-7' });
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({
      causationId: 'order-1',
      correlationId: 'flow-7',
      data: { to: 'order-1' },
    });
  });

  it('runs as a topic subscription through topic.subscribe(definition), and refuses another topic', async () => {
    const bus = await openBus();
    const topic = unique('topic');
    const seen: string[] = [];
    const definition = defineConsumer({ topic, subscription: 'audit' }, (message) => {
      seen.push(message.id);
    });
    expect(() => bus.topic('other').subscribe(definition)).toThrow(/definition of topic/);
    expect(() => bus.topic(topic).subscribe(defineConsumer('a-queue', () => {}))).toThrow(/queue 'a-queue'/);
    await bus.topic(topic).subscribe(definition).start();
    await bus.topic(topic).publish({ id: 'p-1', type: 'PriceChanged', data: {} });
    await expect.poll(() => seen).toEqual(['p-1']);
  });
});

describe('bus.handleDelivery (the function path)', () => {
  it('acks a handled message, and ctx.send stamps correlation and causation', async () => {
    const bus = await openBus();
    const replies = unique('replies');
    const received: Message[] = [];
    await bus.consumer(replies, (message) => void received.push(message)).start();
    const definition = defineConsumer(unique('orders'), async (message, ctx) => {
      await ctx.send(replies, { type: 'StockReserved', data: { orderId: message.id } });
    });
    const { delivery, settled } = platformDelivery(encode({ id: 'm-1' }));
    await bus.handleDelivery(definition, delivery);
    expect(settled).toEqual([{ kind: 'ack' }]);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ correlationId: 'm-1', causationId: 'm-1', source: 'function-tests' });
  });

  it('retries with the backoff of the retry budget, then dead-letters on the last attempt', async () => {
    const bus = await openBus();
    const queue = unique('flaky');
    let runs = 0;
    const definition = defineConsumer(
      queue,
      () => {
        runs++;
        throw new Error('card network down');
      },
      { retry: { attempts: 3, backoff: { initialMs: 1000, factor: 2, jitter: false } } },
    );
    const outcomes: Settled[] = [];
    for (const attempt of [1, 2, 3]) {
      const { delivery, settled } = platformDelivery(encode({ id: 'm-2' }), attempt);
      await bus.handleDelivery(definition, delivery);
      outcomes.push(...settled);
    }
    expect(runs).toBe(3);
    expect(outcomes.slice(0, 2)).toEqual([
      { kind: 'retry', delayMs: 1000 },
      { kind: 'retry', delayMs: 2000 },
    ]);
    const last = outcomes[2];
    expect(last?.kind).toBe('dead-letter');
    if (last?.kind !== 'dead-letter') return;
    expect(last.failure.reason).toBe('Error: card network down');
    expect(last.failure.headers).toMatchObject({
      [FailureHeader.error]: 'Error: card network down',
      [FailureHeader.failedQueue]: queue,
      [FailureHeader.attempts]: '3',
    });
  });

  it('dead-letters a PermanentError, an undecodable body and a schema failure at once', async () => {
    const bus = await openBus();
    const Payment = defineMessage('PaymentRequested', z.object({ amount: z.number() }));
    let handled = 0;
    const permanent = defineConsumer(unique('permanent'), () => {
      throw new PermanentError('card reported stolen');
    });
    const typed = defineConsumer(
      unique('typed'),
      Payment.handler(() => {
        handled++;
      }),
    );
    const cases: [typeof permanent, EncodedMessage, RegExp][] = [
      [permanent, encode({}), /^PermanentError: card reported stolen/],
      [typed, { id: 'foreign', attributes: {}, body: new TextEncoder().encode('not json') }, /^DecodeError/],
      [
        typed,
        encode({ type: 'PaymentRequested', data: { amount: 'ten' } }),
        /^DecodeError: .*failed its schema/,
      ],
    ];
    for (const [definition, message, reason] of cases) {
      const { delivery, settled } = platformDelivery(message, 1);
      await bus.handleDelivery(definition, delivery);
      expect(settled).toHaveLength(1);
      expect(settled[0]?.kind).toBe('dead-letter');
      if (settled[0]?.kind === 'dead-letter') expect(settled[0].failure.reason).toMatch(reason);
    }
    expect(handled).toBe(0);
  });

  it('runs the idempotency middleware: a redelivered duplicate is acked without running again', async () => {
    const bus = await openBus();
    const store = new MemoryIdempotencyStore();
    let charges = 0;
    const definition = defineConsumer(
      unique('payments'),
      () => {
        charges++;
      },
      { middleware: [idempotency({ store })] },
    );
    const first = platformDelivery(encode({ id: 'pay-1' }), 1);
    const duplicate = platformDelivery(encode({ id: 'pay-1' }), 2);
    await bus.handleDelivery(definition, first.delivery);
    await bus.handleDelivery(definition, duplicate.delivery);
    expect(charges).toBe(1);
    expect([...first.settled, ...duplicate.settled]).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
  });

  it('confirms a send the handler did not await before acking, and retries when it failed', async () => {
    const bus = await openBus();
    const replies = unique('replies');
    const received: string[] = [];
    await bus.consumer(replies, (message) => void received.push(message.id)).start();
    const forgetful = defineConsumer(unique('forgetful'), (_message, ctx) => {
      void ctx.send(replies, { id: 'reply-1', type: 'Replied', data: {} });
    });
    const ok = platformDelivery(encode({}));
    await bus.handleDelivery(forgetful, ok.delivery);
    expect(ok.settled).toEqual([{ kind: 'ack' }]);
    await expect.poll(() => received).toEqual(['reply-1']);

    const failing = defineConsumer(unique('failing-send'), (_message, ctx) => {
      void ctx.send(replies, { type: 'Replied', data: {}, headers: { 'ce-forged': 'x' } });
    });
    const refused = platformDelivery(encode({}));
    await bus.handleDelivery(failing, refused.delivery);
    expect(refused.settled).toHaveLength(1);
    expect(refused.settled[0]?.kind).toBe('retry');
  });

  it('fails the attempt on a failed send even when the handler caught its error', async () => {
    const bus = await openBus();
    const tolerant = defineConsumer(unique('tolerant'), async (_message, ctx) => {
      await ctx.send('replies', { type: 'Replied', data: {}, headers: { 'ce-forged': 'x' } }).catch(() => {});
    });
    const { delivery, settled } = platformDelivery(encode({}));
    await bus.handleDelivery(tolerant, delivery);
    expect(settled.map((outcome) => outcome.kind)).toEqual(['retry']);
  });

  it('refuses what defineConsumer did not make, and a closed bus', async () => {
    const bus = await openBus();
    const { delivery } = platformDelivery(encode({}));
    expect(() => bus.handleDelivery({ source: 'q' } as never, delivery)).toThrow(/defineConsumer/);
    await bus.close();
    expect(() =>
      bus.handleDelivery(
        defineConsumer('q', () => {}),
        delivery,
      ),
    ).toThrow(/closed/);
  });
});
