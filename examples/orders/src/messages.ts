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

/** Queue, topic and rule names, in one place so every service agrees on them. */
export const Names = {
  reserveStock: 'orders.stock.reserve',
  authorizePayment: 'orders.payments.authorize',
  fulfillment: 'orders.fulfillment',
  compensation: 'orders.compensation',
  financeAlerts: 'orders.finance.alerts',
  notifications: 'orders.customer.notifications',
} as const;
