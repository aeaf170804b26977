import { createBus, idempotency, MemoryIdempotencyStore } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { type BenchRow, median } from './report.js';

const payload = {
  orderId: 'order-000000',
  customer: 'customer-0000',
  amount: 123.45,
  items: [{ sku: 'sku-1', quantity: 2 }],
  note: 'x'.repeat(60),
};

/**
 * End to end through the whole bus on the in-memory transport: send in batches of 100 -> handler ->
 * ack, with and without the idempotency middleware. Median of several runs.
 */
export async function benchMemory(total = 200_000, runs = 5): Promise<BenchRow[]> {
  const plain: number[] = [];
  const idempotent: number[] = [];
  for (let run = 0; run < runs; run++) {
    plain.push(await endToEnd(total, false));
    idempotent.push(await endToEnd(total, true));
  }
  return [
    { name: 'memory end-to-end (batches of 100)', msgsPerSec: median(plain), target: '>= 300,000 msgs/s' },
    { name: 'memory end-to-end + idempotency', msgsPerSec: median(idempotent), target: '>= 150,000 msgs/s' },
  ];
}

async function endToEnd(total: number, withIdempotency: boolean): Promise<number> {
  const bus = await createBus({ transport: createMemoryTransport(), source: 'bench' });
  const batch = Array.from({ length: 100 }, () => ({ type: 'OrderPlaced', data: payload }));
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const consumer = bus.consumer(
    'bench',
    () => {
      if (++handled === total) finish();
    },
    {
      concurrency: 256,
      ...(withIdempotency
        ? { middleware: [idempotency({ store: new MemoryIdempotencyStore(), fingerprint: false })] }
        : {}),
    },
  );
  await consumer.start();
  const producer = bus.producer('bench');
  const started = performance.now();
  // Keep a bounded number of batches in flight, like a real producer applying backpressure.
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < total; sent += 100) {
    inFlight.push(producer.send(batch));
    if (inFlight.length >= 20) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await bus.close();
  return total / seconds;
}
