import { type Message, PubSub } from '@google-cloud/pubsub';
import type { NativeClient, ReceivedNativeMessage } from '@omnibus/contract-tests';

/**
 * @google-cloud/pubsub without Omnibus. A queue is the topic and the subscription of the same
 * name (the scenarios' names are valid Pub/Sub ids as they are). The content type travels as the
 * `Content-Type` attribute, as the CloudEvents Pub/Sub binding defines it.
 */
export function createPubSubNativeClient(projectId: string, emulatorHost: string): NativeClient {
  const client = new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true });
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: false,
    async send(queue, message) {
      const attributes: Record<string, string> = { ...message.attributes };
      if (message.contentType !== undefined) attributes['Content-Type'] = message.contentType;
      return client.topic(queue).publishMessage({ data: Buffer.from(message.body), attributes });
    },
    receive(queue, timeoutMs) {
      const subscription = client.subscription(queue, { flowControl: { maxMessages: 1 } });
      return new Promise<ReceivedNativeMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          void subscription.close();
          reject(new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`));
        }, timeoutMs);
        subscription.once('message', (message: Message) => {
          clearTimeout(timer);
          message.ack();
          const { 'Content-Type': contentType, ...attributes } = message.attributes;
          void subscription.close().then(() =>
            resolve({
              id: message.id,
              attributes,
              body: new Uint8Array(message.data),
              ...(contentType === undefined ? {} : { contentType }),
            }),
          );
        });
        subscription.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    },
    close: () => client.close(),
  };
}
