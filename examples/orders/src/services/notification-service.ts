import {
  type Bus,
  type Consumer,
  type ConsumerOptions,
  idempotency,
  type IdempotencyStore,
  type Message,
} from '@omnibus/core';
import { Names } from '../messages.js';

/** Who was told what, per channel: order id -> the message type they got. */
export type Outbox = Map<string, string>;

/** Where a sender records what it told a customer (an {@link Outbox}, or a shared record). */
export interface OutboxWriter {
  set(orderId: string, type: string): unknown;
}

/**
 * Email and SMS are two independent subscribers of the customer-notifications topic: adding SMS
 * meant adding a subscriber, nothing else changed. Each records what it would send.
 */
export function notificationService(
  bus: Bus,
  store: IdempotencyStore,
  outboxes: { email: OutboxWriter; sms: OutboxWriter },
  options: ConsumerOptions,
): Consumer[] {
  const topic = bus.topic(Names.notifications);
  const deliver = (outbox: OutboxWriter) => async (message: Message) => {
    const { orderId } = message.data as { orderId: string };
    await outbox.set(orderId, message.type);
  };
  const middleware = [idempotency({ store }), ...(options.middleware ?? [])];
  return [
    topic.subscribe('email-sender', deliver(outboxes.email), { ...options, middleware }),
    topic.subscribe('sms-sender', deliver(outboxes.sms), { ...options, middleware }),
  ];
}
