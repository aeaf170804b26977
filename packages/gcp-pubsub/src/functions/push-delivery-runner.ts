import { PubSub } from '@google-cloud/pubsub';
import { ConfigurationError, type ConsumerDefinition, isConsumerDefinition } from '@omnibus/core';
import { type Delivery, type FailureInfo, withHeaders } from '@omnibus/core/transport';
import { DEAD_LETTER_SUFFIX } from '../pubsub-names.js';
import { createPubSubPublisher, type PubSubPublisher } from '../pubsub-publisher.js';
import { createRedeliveryCounter } from '../redelivery-counter.js';
import { fromPubSubMessage } from '../pubsub-wire-message.js';
import { deadLetterTopicOf, type PubSubPushEnvelope } from './push-envelope.js';
import type { PubSubFunctionOptions } from './pubsub-function-options.js';

/**
 * What became of one pushed message: `ack` (handled or dead-lettered: answer with a success
 * status), `retry` (the runtime asked for a redelivery) or `unsettled` (a settle failed, e.g. the
 * dead-letter topic was unreachable). Both of the last two must be answered with an error status,
 * which makes Pub/Sub redeliver.
 */
export type PushOutcome = 'ack' | 'retry' | 'unsettled';

/** Dead letters are published one at a time and confirmed before the request is answered. */
const DEAD_LETTER_BATCHING = { maxMessages: 1, maxMilliseconds: 0 };

/**
 * Runs pushed messages through the runtime of `definition` (`bus.handleDelivery`). The attempt is
 * the envelope's `deliveryAttempt` (set by subscriptions with a dead-letter policy), else the
 * deliveries of that message this instance saw. A retry cannot be delayed per message on a push
 * subscription: the subscription's retry policy spaces redeliveries. A dead letter is published
 * (confirmed) to the dead-letter topic with the failure headers, and then acked.
 */
export function createPushDeliveryRunner<T>(
  definition: ConsumerDefinition<T>,
  options: PubSubFunctionOptions,
  entry: string,
) {
  if (!isConsumerDefinition(definition))
    throw new ConfigurationError(`${entry} needs a definition made by defineConsumer().`, {
      transport: 'gcp-pubsub',
    });
  const label =
    typeof definition.source === 'string'
      ? definition.source
      : `${definition.source.topic}/${definition.source.subscription}`;
  const counter = createRedeliveryCounter();
  let publisher: PubSubPublisher | undefined;

  function deadLetterTopic(subscription: string): string {
    return options.deadLetterTopic ?? deadLetterTopicOf(subscription, DEAD_LETTER_SUFFIX);
  }

  return async (envelope: PubSubPushEnvelope, raw: unknown): Promise<PushOutcome> => {
    const bus = await options.bus;
    const pushed = envelope.message;
    const key = `${envelope.subscription}\n${pushed.messageId}`;
    const message = fromPubSubMessage(
      {
        id: pushed.messageId,
        attributes: pushed.attributes ?? {},
        data: Buffer.from(pushed.data ?? '', 'base64'),
        orderingKey: pushed.orderingKey,
        ...(pushed.publishTime ? { publishTime: new Date(pushed.publishTime) } : {}),
      },
      label,
    );
    let outcome: PushOutcome = 'unsettled';
    const delivery: Delivery = {
      message,
      attempt: counter.attempt(key, envelope.deliveryAttempt),
      raw,
      async ack() {
        counter.forget(key);
        outcome = 'ack';
      },
      async retry() {
        outcome = 'retry';
      },
      async deadLetter(failure: FailureInfo) {
        publisher ??= createPubSubPublisher(options.pubsub ?? new PubSub(), DEAD_LETTER_BATCHING);
        await publisher.publish(
          deadLetterTopic(envelope.subscription),
          [withHeaders(message, failure.headers)],
          {
            orderingKeys: false,
          },
        );
        counter.forget(key);
        outcome = 'ack';
      },
    };
    await bus.handleDelivery(definition, delivery);
    return outcome;
  };
}
