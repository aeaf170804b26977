import { defineMessage } from '@omnibus/core';
import { z } from 'zod';

// Commands are imperatives sent to one queue; events are past-tense facts emitted to the bus.

const line = z.object({ sku: z.string(), quantity: z.number().int().positive() });

export const ReserveStock = defineMessage(
  'ReserveStock',
  z.object({ orderId: z.string(), items: z.array(line).min(1) }),
);

export const AuthorizePayment = defineMessage(
  'AuthorizePayment',
  z.object({ orderId: z.string(), customerId: z.string(), amount: z.number().positive(), card: z.string() }),
);

export const StockReserved = defineMessage('StockReserved', z.object({ orderId: z.string() }));

export const PaymentAuthorized = defineMessage(
  'PaymentAuthorized',
  z.object({ orderId: z.string(), chargeId: z.string(), amount: z.number() }),
);

export const PaymentFailed = defineMessage(
  'PaymentFailed',
  z.object({ orderId: z.string(), amount: z.number(), reason: z.string() }),
);

const notification = z.object({ orderId: z.string(), email: z.string(), phone: z.string() });

export const OrderConfirmed = defineMessage('OrderConfirmed', notification);
export const OrderFailed = defineMessage('OrderFailed', notification.extend({ reason: z.string() }));

/**
 * Queue, topic and rule names, in one place so every service agrees on them. They start with
 * `orders`, or with `orders.<namespace>` when `OMNIBUS_ORDERS_NAMESPACE` is set: the multi-process
 * run gives each run its own queues that way, so nothing left on a broker by an earlier run reaches it.
 */
const namespace = process.env.OMNIBUS_ORDERS_NAMESPACE;
const prefix = namespace ? `orders.${namespace}` : 'orders';
export const Names = {
  /** Put before rule names (empty without a namespace). */
  rulePrefix: namespace ? `${namespace}-` : '',
  reserveStock: `${prefix}.stock.reserve`,
  authorizePayment: `${prefix}.payments.authorize`,
  fulfillment: `${prefix}.fulfillment`,
  compensation: `${prefix}.compensation`,
  financeAlerts: `${prefix}.finance.alerts`,
  notifications: `${prefix}.customer.notifications`,
} as const;
