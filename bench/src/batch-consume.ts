import { type Bus, createBus, type Transport } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { alternate, benchSize, countHandled, measureThroughput, sendInBatches } from './measure.js';
import { type BenchRow, median } from './report.js';
import { order, uniqueName } from './workload.js';

const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const BATCH = { size: 100, waitMs: 20 };
const SENDING = { batch: 100, inFlight: 10 };

/**
 * Consume throughput of a batch handler (batches of 100) against a per-message handler with the
 * same prefetch (200), on memory and on RabbitMQ, alternating runs in the same process. The
 * handlers do nothing but count, so the figure is the runtime's own cost per message.
 */
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const targets: [string, () => Transport, number][] = [
    ['memory', () => createMemoryTransport(), benchSize(100_000)],
    ['rabbitmq', () => createRabbitMqTransport({ url: rabbitUrl }), benchSize(20_000)],
  ];
  for (const [label, transport, total] of targets) {
    let bus: Bus;
    try {
      bus = await createBus({ transport: transport(), source: 'bench' });
    } catch (error) {
      rows.push({ name: `batch consume on ${label}`, note: `skipped: ${(error as Error).message}` });
      continue;
    }
    await run(bus, 'per-message', Math.min(total, 5_000));
    await run(bus, 'batch', Math.min(total, 5_000));
    const results = await alternate(3, {
      perMessage: () => run(bus, 'per-message', total),
      batch: () => run(bus, 'batch', total),
    });
    await bus.close();
    const perMessage = median(results.perMessage);
    const batch = median(results.batch);
    rows.push({ name: `per-message consume on ${label}, ${total} messages`, msgsPerSec: perMessage });
    rows.push({
      name: `batch consume on ${label} (size ${BATCH.size}), ${total} messages`,
      msgsPerSec: batch,
      ratio: batch / perMessage,
      note: 'ratio vs the per-message handler with the same prefetch, same run',
    });
  }
  return rows;
}

async function run(bus: Bus, mode: 'per-message' | 'batch', total: number): Promise<number> {
  const queue = uniqueName(`batch-${mode}`);
  const counter = countHandled();
  const consumer =
    mode === 'batch'
      ? bus.consumer(
          queue,
          async (messages) => {
            for (let index = 0; index < messages.length; index++) counter.handled();
          },
          { batch: BATCH, concurrency: BATCH.size * 2 },
        )
      : bus.consumer(queue, counter.handled, { concurrency: BATCH.size * 2 });
  await consumer.start();
  const producer = bus.producer(queue);
  const messages = Array.from({ length: SENDING.batch }, () => ({ type: 'OrderPlaced', data: order }));
  const rate = await measureThroughput(total, counter, () =>
    sendInBatches(total, SENDING, (size) => producer.send(messages.slice(0, size))),
  );
  await consumer.stop();
  return rate;
}
