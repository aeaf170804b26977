import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { EncodedMessage } from '@omnibus/core/transport';
import { mapGcpPubSubError } from './map-gcp-pubsub-error.js';

/** Publishes encoded messages to native topics and resolves once Pub/Sub confirmed all of them. */
export interface PubSubPublisher {
  publish(
    topic: string,
    messages: readonly EncodedMessage[],
    options?: { readonly orderingKeys?: boolean },
  ): Promise<void>;
  /** Sends what is batched and stops the publishers. */
  close(): Promise<void>;
}

export function createPubSubPublisher(
  pubsub: PubSub,
  batching: { readonly maxMessages: number; readonly maxMilliseconds: number },
  /** `host:port` of the emulator, for the hint of unreachable errors. */
  emulatorHost?: string,
): PubSubPublisher {
  const topics = new Map<string, Topic>();

  function topicFor(name: string): Topic {
    let topic = topics.get(name);
    if (!topic) {
      // Ordering is enabled on every publisher: it only affects messages that carry an ordering key.
      topic = pubsub.topic(name, { messageOrdering: true, batching });
      topics.set(name, topic);
    }
    return topic;
  }

  async function publishOne(topic: Topic, message: EncodedMessage, orderingKeys: boolean): Promise<void> {
    const orderingKey = orderingKeys ? message.key : undefined;
    try {
      await topic.publishMessage({
        data: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
        // A content type other than the envelope's (structured mode) is the binding's attribute.
        attributes:
          message.contentType === undefined
            ? { ...message.attributes }
            : { ...message.attributes, 'Content-Type': message.contentType },
        ...(orderingKey ? { orderingKey } : {}),
      });
    } catch (error) {
      // After a failed publish the client pauses the key so later messages cannot overtake the
      // failed one. The caller gets the rejection and may resend; resuming keeps the key usable.
      if (orderingKey) topic.resumePublishing(orderingKey);
      throw error;
    }
  }

  return {
    async publish(name, messages, options = {}) {
      const topic = topicFor(name);
      const orderingKeys = options.orderingKeys ?? true;
      const results = await Promise.allSettled(
        messages.map((message) => publishOne(topic, message, orderingKeys)),
      );
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) {
        throw mapGcpPubSubError(failure.reason, { action: `publishing to topic '${name}'`, emulatorHost });
      }
    },
    async close() {
      await Promise.allSettled([...topics.values()].map((topic) => topic.flush()));
      topics.clear();
    },
  };
}
