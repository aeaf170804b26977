import {
  type Bus,
  type Consumer,
  type ConsumerOptions,
  idempotency,
  type IdempotencyStore,
} from '@omnibus/core';
import { AuthorizePayment, Names, PaymentAuthorized, PaymentFailed } from '../messages.js';
import type { CardProcessor } from '../payment-gateway.js';

export interface PaymentServiceOptions extends ConsumerOptions {
  gateway: CardProcessor;
  store: IdempotencyStore;
  /** Fails this share of handler runs after the charge went through, to prove retries are safe. */
  failAfterCharge: () => boolean;
  /**
   * How long a command being charged blocks its duplicates: after a crash, how long the redelivered
   * copy waits before it may run. @default the idempotency middleware's (30 s)
   */
  lockMs?: number;
}

/**
 * Charges each order. Two layers keep a retried or redelivered command from charging twice:
 * the idempotency middleware skips a command already handled, and the charge itself carries the
 * message id as the processor's idempotency key — which is what protects the retry after a crash
 * between the charge and the acknowledgement.
 */
export function paymentService(bus: Bus, options: PaymentServiceOptions): Consumer {
  const { gateway, store, failAfterCharge, lockMs, ...consumerOptions } = options;
  return bus.consumer(
    Names.authorizePayment,
    AuthorizePayment.handler(async (message, context) => {
      const { orderId, amount, card } = message.data;
      const charge = await gateway.charge({ idempotencyKey: message.id, orderId, card, amount });
      if (failAfterCharge()) throw new Error(`Injected failure after charging order ${orderId}`);
      if (charge.approved) {
        await context.emit(
          PaymentAuthorized.create({ orderId, chargeId: charge.chargeId, amount }, { source: 'payments' }),
        );
      } else {
        await context.emit(
          PaymentFailed.create({ orderId, amount, reason: 'card declined' }, { source: 'payments' }),
        );
      }
    }),
    {
      ...consumerOptions,
      middleware: [
        idempotency({ store, ...(lockMs === undefined ? {} : { lockMs }) }),
        ...(consumerOptions.middleware ?? []),
      ],
    },
  );
}
