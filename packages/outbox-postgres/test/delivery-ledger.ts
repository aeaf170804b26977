import { type Bus, type Consumer, idempotency, type IdempotencyStore, type Middleware } from '@omnibus/core';

/** How often each message id arrived and how often its handler ran, on one consumer. */
export interface DeliveryLedger {
  readonly deliveries: Map<string, number>;
  readonly handled: Map<string, number>;
  readonly consumer: Consumer;
  /** Total of a count map. */
  total(counts: Map<string, number>): number;
}

/**
 * A consumer of `queue` that counts every delivery (outside the idempotency middleware) and every
 * handler run (inside it), so a test can assert "delivered at least once, handled exactly once".
 */
export async function startLedger(
  bus: Bus,
  queue: string,
  store: IdempotencyStore,
  concurrency = 32,
): Promise<DeliveryLedger> {
  const deliveries = new Map<string, number>();
  const handled = new Map<string, number>();
  const count: Middleware = async (message, _context, next) => {
    deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
    return next();
  };
  const consumer = bus.consumer(
    queue,
    async (message) => {
      handled.set(message.id, (handled.get(message.id) ?? 0) + 1);
    },
    { concurrency, middleware: [count, idempotency({ store })] },
  );
  await consumer.start();
  return {
    deliveries,
    handled,
    consumer,
    total: (counts) => [...counts.values()].reduce((sum, value) => sum + value, 0),
  };
}
