import { createHash } from 'node:crypto';
import {
  type Bus,
  createBus,
  type IdempotencyStore,
  idempotency,
  type Logger,
  type Message,
  type Middleware,
  type Transport,
} from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import { silentLogger, sleep, uniqueId, uniqueName } from './harness.js';

/** What `injectDuplicates` is told about the storm it is part of. */
export interface DuplicateStormContext {
  /** The storm's queue, unique to this run. It exists and its consumers are running. */
  readonly queue: string;
  /** How many times the broker must deliver each message. */
  readonly copies: number;
}

/** What a store package passes to `runDuplicateStorm`. */
export interface DuplicateStormOptions {
  /** Shown in the test's title, e.g. `'redis store, memory transport'`. */
  name: string;
  /**
   * Returns the ready store every consumer shares. Called once; its `close()`, if any, is called
   * when the storm is over.
   */
  createStore: () => IdempotencyStore | Promise<IdempotencyStore>;
  /**
   * Returns a new, unconnected transport with `provision: 'auto'`. Called once per bus (two
   * buses), so **every transport it returns must reach the same broker**; for an in-process
   * transport, share one broker between them.
   */
  createTransport: () => Transport | Promise<Transport>;
  /**
   * How the duplicates arise. When given, it is called once the consumers run and before anything
   * is sent, and must make the broker deliver every message `copies` times (for the memory
   * transport: `broker.faults.duplicateDeliveries({ source: queue, times: copies })`); each message
   * is then sent once. When omitted, each message id is sent `copies` times, which a real broker
   * delivers as separate deliveries.
   */
  injectDuplicates?: (context: DuplicateStormContext) => void | Promise<void>;
  /**
   * Why the storm cannot run here (e.g. a server is unreachable, and how to start it). The test is
   * then skipped with this reason in its title.
   */
  unavailable?: string;
  /** Payment commands sent. @default 2000 */
  payments?: number;
  /** Deliveries of each payment. @default 3 */
  copies?: number;
  /**
   * Consumers on each of the two buses, each handling 4 messages at a time. The first bus's
   * consumers let an in-progress duplicate retry later, the second's wait for it.
   * @default 4
   */
  consumersPerBus?: number;
  /** Share of handler runs that fail transiently after the charge, between 0 and 1. @default 0.2 */
  failureRate?: number;
  /** The test's time limit, in milliseconds. @default 120000 */
  timeoutMs?: number;
  /** Where the buses log. @default nothing is logged */
  logger?: Logger;
}

/** The counts a storm ends with, as printed after each run. */
export interface DuplicateStormOutcome {
  /** Deliveries seen by the consumers, retries included. */
  deliveries: number;
  /** Handler runs: claims the store granted. */
  runs: number;
  /** Runs that failed after charging (and released their key). */
  failures: number;
  /** Runs that started while another run of the same message was still going. */
  overlappingRuns: number;
  /** Copies that were never acknowledged (a lost copy, or one still held by the broker). */
  unsettledCopies: number;
  /** Deliveries acknowledged without running the handler: the duplicates the store caught. */
  duplicatesSkipped: number;
  deadLetters: number;
  /** Payments the processor's ledger holds. */
  charges: number;
  /** Charge requests the processor received, first or repeated. */
  chargeAttempts: number;
  /** Runs that succeeded. */
  successfulRuns: number;
  /** Payments whose handler never succeeded. */
  neverCompleted: number;
  /** Payments whose handler succeeded more than once. */
  completedTwice: number;
  ms: number;
}

interface Payment {
  paymentId: string;
  amount: number;
}

/** Stop waiting when nothing has been delivered for this long: the storm has stalled. */
const STALLED_MS = 5_000;

/**
 * Registers the duplicate storm with vitest: the proof that an `IdempotencyStore` makes retries
 * safe under load. Every payment command is delivered `copies` times; eight consumers on two buses
 * share one store; handlers fail transiently after charging. The payment processor takes an
 * idempotency key (the message id), as a real one does; the store's job is that each payment's
 * handler succeeds exactly once and never runs twice at the same time. The test asserts the counts:
 * every payment charged exactly once, none lost, every copy acknowledged, no dead letters.
 *
 * ```ts
 * const broker = createMemoryBroker();
 * runDuplicateStorm({
 *   name: 'redis store, memory transport',
 *   createStore: () => new RedisIdempotencyStore({ url }),
 *   createTransport: () => createMemoryTransport({ broker }),
 *   injectDuplicates: ({ queue, copies }) => {
 *     broker.faults.duplicateDeliveries({ source: queue, times: copies });
 *   },
 * });
 * ```
 */
export function runDuplicateStorm(options: DuplicateStormOptions): void {
  const payments = options.payments ?? 2_000;
  const copies = options.copies ?? 3;
  const failureRate = options.failureRate ?? 0.2;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const title = `duplicate storm (${options.name})`;
  const test = `charges each of ${payments} payments exactly once when each is delivered ${copies} times`;

  describe(title, () => {
    if (options.unavailable !== undefined) {
      it.skip(`${test} (skipped: ${options.unavailable})`, () => {});
      return;
    }
    it(test, { timeout: timeoutMs }, async () => {
      const outcome = await stormOnce(options, { payments, copies, failureRate, timeoutMs });
      console.log(`${title}: ${JSON.stringify(outcome)}`);
      expect(outcome.neverCompleted).toBe(0);
      expect(outcome.completedTwice).toBe(0);
      expect(outcome.charges).toBe(payments);
      expect(outcome.successfulRuns).toBe(payments);
      expect(outcome.overlappingRuns).toBe(0);
      // Every run past the claim either failed (and released its key) or was the one success.
      expect(outcome.runs).toBe(payments + outcome.failures);
      expect(outcome.chargeAttempts).toBe(outcome.runs);
      expect(outcome.failures).toBeGreaterThanOrEqual(Math.floor(payments * failureRate * 0.8));
      // The duplicates really arrived, and every copy was settled: none lost, none left behind.
      expect(outcome.unsettledCopies).toBe(0);
      expect(outcome.duplicatesSkipped).toBeGreaterThanOrEqual(payments * (copies - 1));
      expect(outcome.deliveries).toBeGreaterThanOrEqual(payments * copies);
      expect(outcome.deadLetters).toBe(0);
    });
  });
}

async function stormOnce(
  options: DuplicateStormOptions,
  counts: { payments: number; copies: number; failureRate: number; timeoutMs: number },
): Promise<DuplicateStormOutcome> {
  const { payments, copies, failureRate } = counts;
  const started = Date.now();
  const queue = uniqueName('storm');
  const logger = options.logger ?? silentLogger;
  const store = await options.createStore();
  const buses: Bus[] = [];
  try {
    for (let index = 0; index < 2; index++) {
      buses.push(await createBus({ transport: await options.createTransport(), source: 'payments', logger }));
    }

    // The payment processor: charges once per idempotency key, however often it is asked.
    const ledger = new Map<string, number>();
    const chargeAttempts = new Map<string, number>();
    const charge = (idempotencyKey: string, amount: number) => {
      chargeAttempts.set(idempotencyKey, (chargeAttempts.get(idempotencyKey) ?? 0) + 1);
      if (!ledger.has(idempotencyKey)) ledger.set(idempotencyKey, amount);
    };

    let deliveries = 0;
    let lastDeliveryAt = Date.now();
    let runs = 0;
    let failures = 0;
    let overlappingRuns = 0;
    let deadLetters = 0;
    const running = new Set<string>();
    const successes = new Map<string, number>();
    const acknowledged = new Map<string, number>();
    const handler = async (message: Message<Payment>) => {
      runs++;
      if (running.has(message.id)) overlappingRuns++;
      running.add(message.id);
      try {
        await Promise.resolve(charge(message.id, message.data.amount));
        if (failsTransiently(message.data.paymentId, chargeAttempts.get(message.id) ?? 0, failureRate)) {
          failures++;
          throw new Error('Connection reset after the charge was accepted');
        }
        successes.set(message.id, (successes.get(message.id) ?? 0) + 1);
        return { charged: message.data.amount };
      } finally {
        running.delete(message.id);
      }
    };
    // Outermost, so it sees every delivery and which of them end acknowledged.
    const countDeliveries: Middleware = async (message, _context, next) => {
      deliveries++;
      lastDeliveryAt = Date.now();
      const result = await next();
      acknowledged.set(message.id, (acknowledged.get(message.id) ?? 0) + 1);
      return result;
    };

    for (const [index, bus] of buses.entries()) {
      for (let consumer = 0; consumer < (options.consumersPerBus ?? 4); consumer++) {
        await bus
          .consumer(queue, handler, {
            concurrency: 4,
            retry: { attempts: 30, backoff: { initialMs: 5, maxMs: 50, factor: 2, jitter: true } },
            middleware: [
              countDeliveries,
              idempotency({ store, lockMs: 1_500, onInProgress: index === 0 ? 'retry-later' : 'wait' }),
            ],
          })
          .start();
      }
    }
    await buses[0]!
      .deadLetters(queue)
      .consume(() => {
        deadLetters++;
      })
      .start();
    await options.injectDuplicates?.({ queue, copies });

    const inputs = Array.from({ length: payments }, (_, index) => ({
      id: uniqueId(),
      type: 'AuthorizePayment',
      data: { paymentId: `p-${index}`, amount: 10 + (index % 90) } satisfies Payment,
    }));
    // Each chunk is sent once, or `copies` times in a row through alternating buses, so duplicates
    // meet both a running first copy and a completed one.
    const sends = options.injectDuplicates ? 1 : copies;
    for (let index = 0; index < inputs.length; index += 500) {
      const chunk = inputs.slice(index, index + 500);
      for (let send = 0; send < sends; send++) {
        await buses[(index / 500 + send) % 2]!.producer(queue).send(chunk);
      }
    }

    const settled = () =>
      successes.size === payments && inputs.every(({ id }) => (acknowledged.get(id) ?? 0) >= copies);
    const deadline = started + counts.timeoutMs * 0.8;
    while (!settled() && deadLetters === 0 && Date.now() < deadline) {
      if (Date.now() - lastDeliveryAt > STALLED_MS) break;
      await sleep(20);
    }
    await Promise.all(buses.splice(0).map((bus) => bus.close()));

    const completions = [...successes.values()];
    const successfulRuns = completions.reduce((sum, count) => sum + count, 0);
    const acknowledgements = [...acknowledged.values()].reduce((sum, count) => sum + count, 0);
    return {
      deliveries,
      runs,
      failures,
      overlappingRuns,
      unsettledCopies: inputs.reduce(
        (sum, { id }) => sum + Math.max(0, copies - (acknowledged.get(id) ?? 0)),
        0,
      ),
      duplicatesSkipped: acknowledgements - successfulRuns,
      deadLetters,
      charges: ledger.size,
      chargeAttempts: [...chargeAttempts.values()].reduce((sum, count) => sum + count, 0),
      successfulRuns,
      neverCompleted: payments - completions.length,
      completedTwice: completions.filter((count) => count > 1).length,
      ms: Date.now() - started,
    };
  } finally {
    await Promise.all(buses.map((bus) => bus.close()));
    await store.close?.();
  }
}

/**
 * Whether the `attempt`-th run of a payment fails: a hash of both under `rate`, so the failures
 * are spread like random ones yet the same in every run, whatever order the consumers go in.
 */
function failsTransiently(paymentId: string, attempt: number, rate: number): boolean {
  const digest = createHash('sha256').update(`${paymentId}#${attempt}`).digest();
  return digest.readUInt32BE(0) / 4_294_967_296 < rate;
}
