import { createBus, idempotency, MemoryIdempotencyStore } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { alternate, benchSize, countHandled, measureThroughput, sendInBatches } from './measure.js';
import { type BenchRow, median } from './report.js';
import { order } from './workload.js';

/**
 * End to end through the whole bus on the in-memory transport: send in batches of 100 -> handler ->
 * ack, with and without the idempotency middleware. Median of several runs.
 */
export async function benchMemory(total = benchSize(200_000), runs = 5): Promise<BenchRow[]> {
  const rates = await alternate(runs, {
    plain: () => endToEnd(total, false),
    idempotent: () => endToEnd(total, true),
  });
  return [
    {
      name: 'memory end-to-end (batches of 100)',
      msgsPerSec: median(rates.plain),
      target: '>= 300,000 msgs/s',
    },
    {
      name: 'memory end-to-end + idempotency',
      msgsPerSec: median(rates.idempotent),
      target: '>= 150,000 msgs/s',
    },
  ];
}

async function endToEnd(total: number, withIdempotency: boolean): Promise<number> {
  const bus = await createBus({ transport: createMemoryTransport(), source: 'bench' });
  const batch = Array.from({ length: 100 }, () => ({ type: 'OrderPlaced', data: order }));
  const counter = countHandled();
  const consumer = bus.consumer('bench', counter.handled, {
    concurrency: 256,
    ...(withIdempotency
      ? { middleware: [idempotency({ store: new MemoryIdempotencyStore(), fingerprint: false })] }
      : {}),
  });
  await consumer.start();
  const producer = bus.producer('bench');
  // Keep a bounded number of batches in flight, like a real producer applying backpressure.
  const msgsPerSec = await measureThroughput(total, counter, () =>
    sendInBatches(total, { batch: 100, inFlight: 20 }, (size) =>
      producer.send(size === batch.length ? batch : batch.slice(0, size)),
    ),
  );
  await bus.close();
  return msgsPerSec;
}
