import type { NativeClient, NativeMessage, ReceivedNativeMessage } from '@omnibus/contract-tests';
import type { EncodedMessage } from '@omnibus/core/transport';
import { createMemoryTransport, type MemoryBroker } from '../src/index.js';

/**
 * The in-memory broker's own client: the transport contract itself, without a bus, so messages
 * go in and come out exactly as given (no envelope is added or read).
 */
export function createMemoryNativeClient(broker: MemoryBroker): NativeClient {
  const transport = createMemoryTransport({ broker });
  const connected = transport.connect();
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: true,
    async send(queue, message) {
      await connected;
      await transport.send(queue, [encoded(message)], {});
      return message.messageId ?? '';
    },
    async publish(topic, message) {
      await connected;
      await transport.publish(topic, [encoded(message)], {});
      return message.messageId ?? '';
    },
    async receive(queue, timeoutMs) {
      await connected;
      let resolve!: (message: ReceivedNativeMessage) => void;
      const arrived = new Promise<ReceivedNativeMessage>((done) => {
        resolve = done;
      });
      let taken = false;
      const subscription = await transport.consume(
        { kind: 'queue', queue },
        async (delivery) => {
          if (taken) return delivery.retry(0);
          taken = true;
          await delivery.ack();
          const { id, attributes, body, contentType } = delivery.message;
          resolve({ id, attributes, body, ...(contentType === undefined ? {} : { contentType }) });
        },
        { concurrency: 1, ordering: 'none', maxAttempts: Number.POSITIVE_INFINITY },
      );
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          arrived,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`)),
              timeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
        await subscription.stop();
      }
    },
    close: () => transport.close(),
  };
}

/** The message exactly as given: no envelope attribute is added. */
function encoded(message: NativeMessage): EncodedMessage {
  return {
    id: message.messageId ?? '',
    attributes: message.attributes,
    body: message.body,
    ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
  };
}
