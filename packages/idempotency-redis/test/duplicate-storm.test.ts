import { createBus, idempotency, type IdempotencyStore, type Logger, type Message } from '@omnibus/core';
import { createMemoryBroker, createMemoryTransport } from '@omnibus/memory';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../src/index.js';
import { redisUnavailable, redisUrl } from './redis-server.js';

const PAYMENTS = 2_000;
const COPIES = 3;
const FAILURE_RATE = 0.2;
const unavailable = await redisUnavailable();

/**
 * The duplicate storm: every payment command is delivered three times, eight consumers on two
 * buses share one store, and handlers fail transiently after charging. The processor takes an
 * idempotency key (the message id), as a real one does; the store's job is that a payment's handler
 * succeeds exactly once and never runs twice at the same time.
 */
describe.skipIf(unavailable !== undefined)('duplicate storm (redis store)', () => {
  const store = new RedisIdempotencyStore({ url: redisUrl, keyPrefix: `omnibus-test:storm:${Date.now()}:` });
  afterAll(() => store.close());

  it(`charges each of ${PAYMENTS} payments exactly once when each is delivered ${COPIES} times`, {
    timeout: 120_000,
  }, async () => {
    const started = Date.now();
    const outcome = await runStorm(store);
    console.log(JSON.stringify({ ...outcome, ms: Date.now() - started }));
    expect(outcome.neverCompleted).toBe(0);
    expect(outcome.completedTwice).toBe(0);
    expect(outcome.charges).toBe(PAYMENTS);
    expect(outcome.successfulRuns).toBe(PAYMENTS);
    expect(outcome.overlappingRuns).toBe(0);
    // Every run past the claim either failed (and released its key) or was the one success.
    expect(outcome.runs).toBe(PAYMENTS + outcome.failures);
    expect(outcome.chargeAttempts).toBe(outcome.runs);
    expect(outcome.failures).toBeGreaterThan(PAYMENTS * FAILURE_RATE * 0.8);
    expect(outcome.deliveries).toBeGreaterThanOrEqual(PAYMENTS * COPIES);
    expect(outcome.deadLetters).toBe(0);
  });
});

async function runStorm(store: IdempotencyStore) {
  const broker = createMemoryBroker();
  const queue = `payments.authorize.${Math.random().toString(36).slice(2, 8)}`;
  broker.createQueue(queue);
  broker.faults.duplicateDeliveries({ source: queue, times: COPIES });
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const buses = await Promise.all(
    [0, 1].map(() => createBus({ transport: createMemoryTransport({ broker }), source: 'payments', logger })),
  );

  // The payment processor: charges once per idempotency key, however often it is asked.
  const ledger = new Map<string, number>();
  const chargeAttempts = new Map<string, number>();
  const charge = (idempotencyKey: string, amount: number) => {
    chargeAttempts.set(idempotencyKey, (chargeAttempts.get(idempotencyKey) ?? 0) + 1);
    if (!ledger.has(idempotencyKey)) ledger.set(idempotencyKey, amount);
  };

  let deliveries = 0;
  let runs = 0;
  let failures = 0;
  let overlappingRuns = 0;
  const running = new Set<string>();
  const successes = new Map<string, number>();
  const random = seededRandom(7);
  const handler = async (message: Message<{ amount: number }>) => {
    runs++;
    if (running.has(message.id)) overlappingRuns++;
    running.add(message.id);
    try {
      await Promise.resolve(charge(message.id, message.data.amount));
      if (random() < FAILURE_RATE) {
        failures++;
        throw new Error('Connection reset after the charge was accepted');
      }
      successes.set(message.id, (successes.get(message.id) ?? 0) + 1);
      return { charged: message.data.amount };
    } finally {
      running.delete(message.id);
    }
  };

  // Eight consumers across the two buses; one bus's duplicates retry later, the other's wait.
  for (const [index, bus] of buses.entries()) {
    for (let consumer = 0; consumer < 4; consumer++) {
      await bus
        .consumer(queue, handler, {
          concurrency: 4,
          retry: { attempts: 30, backoff: { initialMs: 5, maxMs: 50, factor: 2, jitter: true } },
          middleware: [
            async (_message, _context, next) => {
              deliveries++;
              return next();
            },
            idempotency({ store, lockMs: 1_500, onInProgress: index === 0 ? 'retry-later' : 'wait' }),
          ],
        })
        .start();
    }
  }

  const payments = Array.from({ length: PAYMENTS }, (_, index) => ({
    type: 'AuthorizePayment',
    data: { paymentId: `p-${index}`, amount: 10 + (index % 90) },
  }));
  for (let index = 0; index < payments.length; index += 500) {
    await buses[index % 2]!.producer(queue).send(payments.slice(index, index + 500));
  }

  const deadline = Date.now() + 100_000;
  for (;;) {
    const counts = broker.inspect(queue);
    const settled = counts.ready + counts.inFlight + counts.delayed === 0;
    if ((settled && successes.size === PAYMENTS) || counts.deadLetters > 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deadLetters = broker.inspect(queue).deadLetters;
  await Promise.all(buses.map((bus) => bus.close()));

  const completions = [...successes.values()];
  return {
    deliveries,
    runs,
    failures,
    overlappingRuns,
    deadLetters,
    charges: ledger.size,
    successfulRuns: [...successes.values()].reduce((sum, count) => sum + count, 0),
    chargeAttempts: [...chargeAttempts.values()].reduce((sum, count) => sum + count, 0),
    neverCompleted: PAYMENTS - completions.length,
    completedTwice: completions.filter((count) => count > 1).length,
  };
}

/** mulberry32, so a failing storm can be replayed with the same failure pattern. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
