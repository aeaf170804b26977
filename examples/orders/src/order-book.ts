import { seededRandom } from './seeded-random.js';

export interface Order {
  orderId: string;
  customerId: string;
  email: string;
  phone: string;
  card: string;
  amount: number;
  items: { sku: string; quantity: number }[];
}

/** Contact details per order, as the customer service would look them up. */
export type Customers = Map<string, { email: string; phone: string }>;

export const SKUS = ['book', 'lamp', 'kettle', 'chair'] as const;
export const DECLINED_CARD = '4000-0000-0000-0002';

/**
 * A seeded mix of orders: about a third pay with a card that is declined, and amounts vary so that
 * some failed payments are large enough to alert finance.
 */
export function generateOrders(count: number, seed: number, runId: string): Order[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const orderId = `${runId}-order-${index + 1}`;
    const items = [
      { sku: SKUS[Math.floor(random() * SKUS.length)]!, quantity: 1 + Math.floor(random() * 3) },
    ];
    return {
      orderId,
      customerId: `customer-${index + 1}`,
      email: `customer${index + 1}@example.com`,
      phone: `+1555000${String(index + 1).padStart(4, '0')}`,
      card: random() < 0.3 ? DECLINED_CARD : `4242-4242-4242-${String(1000 + index)}`,
      amount: Math.round((50 + random() * 1950) * 100) / 100,
      items,
    };
  });
}
