import { createBus } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';

// Run in its own process (see run.ts) so the figure is this workload's alone: 100,000 queued
// ~200-byte messages, nobody consuming. Prints the RSS in MB as JSON.
const gc = (globalThis as { gc?: () => void }).gc;
const bus = await createBus({ transport: createMemoryTransport(), source: 'bench' });
gc?.();
const baselineRssMb = process.memoryUsage().rss / 1_048_576;
const producer = bus.producer('footprint');
const data = { orderId: 'order-000000', customer: 'customer-0000', amount: 123.45, note: 'x'.repeat(120) };
for (let sent = 0; sent < 100_000; sent += 1_000) {
  await producer.send(Array.from({ length: 1_000 }, () => ({ type: 'OrderPlaced', data })));
}
gc?.();
console.log(JSON.stringify({ rssMb: process.memoryUsage().rss / 1_048_576, baselineRssMb }));
await bus.close();
