import type { Bus, Consumer, ConsumerOptions } from '@omnibus/core';
import type { StockLedger } from '../inventory.js';
import { Names, OrderConfirmed, OrderFailed, PaymentAuthorized, PaymentFailed } from '../messages.js';
import type { Customers } from '../order-book.js';
import type { Recorder } from '../recorder.js';

/**
 * After payment: a paid order takes its stock, goes to the distribution center and is confirmed; a
 * failed one releases its stock and the customer is told. Stock is reserved in parallel with the
 * payment, so an outcome can arrive before its reservation: that attempt fails and is retried.
 */
export function fulfillmentService(
  bus: Bus,
  inventory: StockLedger,
  customers: Customers,
  purchaseOrders: Recorder,
  options: ConsumerOptions,
): Consumer[] {
  const notifications = bus.topic(Names.notifications);
  const awaitReservation = async (orderId: string) => {
    if (!(await inventory.isReserved(orderId)) && !(await inventory.isSettled(orderId))) {
      throw new Error(`Stock for order ${orderId} is not reserved yet`);
    }
  };
  const fulfil = bus.consumer(
    Names.fulfillment,
    PaymentAuthorized.handler(async (message, context) => {
      const { orderId } = message.data;
      await awaitReservation(orderId);
      await inventory.commit(orderId);
      await purchaseOrders.add(orderId);
      const customer = customers.get(orderId);
      if (customer)
        await context.publish(notifications.name, OrderConfirmed.create({ orderId, ...customer }));
    }),
    options,
  );
  const compensate = bus.consumer(
    Names.compensation,
    PaymentFailed.handler(async (message, context) => {
      const { orderId, reason } = message.data;
      await awaitReservation(orderId);
      await inventory.release(orderId);
      const customer = customers.get(orderId);
      if (customer)
        await context.publish(notifications.name, OrderFailed.create({ orderId, reason, ...customer }));
    }),
    options,
  );
  return [fulfil, compensate];
}
