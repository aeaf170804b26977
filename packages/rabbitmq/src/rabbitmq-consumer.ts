import type {
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  FailureInfo,
  SourceRef,
  TransportSubscription,
} from '@omnibus/core/transport';
import { ATTEMPT_HEADER, attemptOf, toEncodedMessage } from './amqp-message.js';
import type { Outgoing } from './confirm-publisher.js';
import { delayBucket } from './delay-buckets.js';
import { createQueueConsumer, type Received } from './queue-consumer.js';
import type { RabbitMqConnection } from './rabbitmq-connection.js';
import { names, type Topology } from './rabbitmq-topology.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';

/**
 * Consumes a queue, subscription or dead-letter queue and settles as core decides:
 * - ack: a (batched) basic.ack;
 * - retry(delay): a copy carrying `attempt + 1` is published — to the queue itself, or through the
 *   delay bucket's TTL queue that dead-letters back to it — and confirmed before the original is acked;
 * - deadLetter: a copy with the failure headers is published to `<queue>.dlq` and confirmed, then
 *   the original is acked.
 * If a copy cannot be published the original is requeued, so a message is never lost in between.
 */
export async function consumeSource(
  connection: RabbitMqConnection,
  topology: Topology,
  options: ResolvedRabbitMqOptions,
  source: SourceRef,
  onDelivery: DeliveryHandler,
  consumeOptions: ConsumeOptions,
): Promise<TransportSubscription> {
  const queue = names.source(source);
  const deadLetterQueue = names.deadLetter(queue);
  // Per-key ordering on a single-active-consumer queue: one message at a time, in queue order.
  const prefetch = consumeOptions.ordering === 'key' ? 1 : consumeOptions.concurrency;

  const settleWithCopy = async (received: Received, outgoing: Outgoing): Promise<void> => {
    try {
      await received.session.publisher.publish([outgoing]);
    } catch (error) {
      received.requeue();
      throw error;
    }
    await received.ack();
  };

  const consumer = createQueueConsumer(connection, options, {
    queue,
    prefetch,
    declare: (session) => topology.source(session, source),
    async handle(received) {
      const message = toEncodedMessage(received.message);
      const attempt = attemptOf(received.message);
      let settled = false;
      const once = (action: () => Promise<void>) => {
        if (settled) return Promise.reject(new Error('A delivery can be settled only once.'));
        settled = true;
        return action();
      };
      let done!: () => void;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const track = (action: () => Promise<void>) => once(action).finally(done);

      const delivery: Delivery = {
        message,
        attempt,
        raw: received.message,
        ack: () => track(() => received.ack()),
        retry: (delayMs: number) =>
          track(async () => {
            const extraHeaders = { [ATTEMPT_HEADER]: String(attempt + 1) };
            if (delayMs > 0) {
              const bucket = delayBucket(delayMs);
              await topology.delay(received.session, bucket);
              const exchange = names.delay(bucket);
              await settleWithCopy(received, {
                exchange,
                routingKey: queue,
                message,
                extraHeaders,
                mandatory: true,
              });
            } else {
              await settleWithCopy(received, {
                exchange: '',
                routingKey: queue,
                message,
                extraHeaders,
                mandatory: true,
              });
            }
          }),
        deadLetter: (failure: FailureInfo) =>
          track(async () => {
            await topology.deadLetterQueue(received.session, queue);
            const copy = { ...message, attributes: { ...message.attributes, ...failure.headers } };
            await settleWithCopy(received, {
              exchange: '',
              routingKey: deadLetterQueue,
              message: copy,
              mandatory: true,
            });
          }),
      };
      await onDelivery(delivery);
      // Core settles every delivery; wait for it so stop() drains in-flight work.
      await finished;
    },
  });
  await consumer.start();
  return { stop: () => consumer.stop() };
}
