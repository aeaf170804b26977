import type { Producer } from '@omnibus/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { AuthorizePayment, ReserveStock } from './messages.js';
import type { Order } from './order-book.js';

/** The span that starts each order's trace, and the attribute naming its order. */
export const SUBMIT_SPAN = 'submit order';
export const ORDER_ID_ATTRIBUTE = 'orders.order_id';

const tracer = trace.getTracer('@omnibus/example-orders');

/**
 * SubmitOrder does two things only: ask for stock and for payment. Everything else follows. Both
 * sends run inside the order's own span, so each order is one trace; with no tracer provider
 * registered the span records nothing.
 */
export function submitOrder(
  order: Order,
  producers: { reserve: Producer; authorize: Producer },
): Promise<void> {
  return tracer.startActiveSpan(
    SUBMIT_SPAN,
    { kind: SpanKind.INTERNAL, attributes: { [ORDER_ID_ATTRIBUTE]: order.orderId } },
    async (span) => {
      try {
        await Promise.all([
          producers.reserve.send(
            ReserveStock.create(
              { orderId: order.orderId, items: order.items },
              { correlationId: order.orderId },
            ),
          ),
          producers.authorize.send(
            AuthorizePayment.create(
              {
                orderId: order.orderId,
                customerId: order.customerId,
                amount: order.amount,
                card: order.card,
              },
              { correlationId: order.orderId },
            ),
          ),
        ]);
      } finally {
        span.end();
      }
    },
  );
}

/** The `ReserveStock` command of an order, correlated by its id. */
export function reserveStockFor(order: Order) {
  return ReserveStock.create(
    { orderId: order.orderId, items: order.items },
    { correlationId: order.orderId },
  );
}

/** The `AuthorizePayment` command of an order, correlated by its id. */
export function authorizePaymentFor(order: Order) {
  const { orderId, customerId, amount, card } = order;
  return AuthorizePayment.create({ orderId, customerId, amount, card }, { correlationId: orderId });
}
