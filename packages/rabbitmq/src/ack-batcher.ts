import { ConnectionError } from '@omnibus/core';
import type { Channel, Message } from 'amqplib';

/**
 * Coalesces the acks of one channel: acks requested in the same turn of the event loop are written
 * together, the settled prefix of outstanding deliveries as a single `multiple` ack, the rest one
 * by one. Nothing waits behind a slow handler: a delivery settled out of order is acked on its own.
 */
export interface AckBatcher {
  /** Records a delivery handed out on this channel (tags increase per channel). */
  track(deliveryTag: number): void;
  /** Acks the delivery in the next flush; resolves once the ack was written. */
  ack(deliveryTag: number): Promise<void>;
  /** Returns the delivery to the queue now. */
  requeue(deliveryTag: number): void;
  /** Writes pending acks now. */
  flush(): void;
}

export function createAckBatcher(channel: Channel): AckBatcher {
  const outstanding: number[] = [];
  const settled = new Set<number>();
  let waiters: { resolve(): void; reject(error: Error): void }[] = [];
  let scheduled = false;

  const tagged = (deliveryTag: number) => ({ fields: { deliveryTag } }) as Message;

  const remove = (deliveryTag: number) => {
    const index = outstanding.indexOf(deliveryTag);
    if (index >= 0) outstanding.splice(index, 1);
  };

  const flush = () => {
    scheduled = false;
    const pending = waiters;
    waiters = [];
    try {
      let prefix = -1;
      while (outstanding.length > 0 && settled.has(outstanding[0]!)) {
        prefix = outstanding.shift()!;
        settled.delete(prefix);
      }
      if (prefix >= 0) channel.ack(tagged(prefix), true);
      for (const deliveryTag of settled) {
        channel.ack(tagged(deliveryTag), false);
        remove(deliveryTag);
      }
      settled.clear();
    } catch (error) {
      settled.clear();
      const failure = new ConnectionError(
        'The channel closed before the ack was written; the message will be redelivered.',
        {
          cause: error,
          transport: 'rabbitmq',
        },
      );
      for (const waiter of pending) waiter.reject(failure);
      return;
    }
    for (const waiter of pending) waiter.resolve();
  };

  return {
    track(deliveryTag) {
      outstanding.push(deliveryTag);
    },
    ack(deliveryTag) {
      settled.add(deliveryTag);
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    requeue(deliveryTag) {
      remove(deliveryTag);
      try {
        channel.nack(tagged(deliveryTag), false, true);
      } catch {
        // The channel is gone: the broker requeues its unacked messages by itself.
      }
    },
    flush,
  };
}
