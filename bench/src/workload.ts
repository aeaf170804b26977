import { randomBytes } from 'node:crypto';

/** The ~200-byte `OrderPlaced` data the memory and RabbitMQ suites send. */
export const order = {
  orderId: 'order-000000',
  customer: 'customer-0000',
  amount: 123.45,
  items: [{ sku: 'sku-1', quantity: 2 }],
  note: 'x'.repeat(60),
};

/** The same order without its line items, as the cloud suites send it. */
export const orderSummary = {
  orderId: 'order-000000',
  customer: 'customer-0000',
  amount: 123.45,
  note: 'x'.repeat(60),
};

/** A queue, topic or subscription name no other run uses: `bench-<label>-<time>-<random>`. */
export function uniqueName(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
