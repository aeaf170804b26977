import { credentials } from '@grpc/grpc-js';
import { PubSub, v1 } from '@google-cloud/pubsub';
import type { NativeClient, NativeMessage } from '@omnibus/contract-tests';

/**
 * @google-cloud/pubsub without Omnibus. A queue is the topic and the subscription of the same
 * name (the scenarios' names are valid Pub/Sub ids as they are). The content type travels as the
 * `Content-Type` attribute, as the CloudEvents Pub/Sub binding defines it.
 */
export function createPubSubNativeClient(projectId: string, emulatorHost: string): NativeClient {
  const client = new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true });
  const [host, port] = emulatorHost.split(':');
  const subscriberClient = Promise.resolve(
    new v1.SubscriberClient({
      servicePath: host,
      port: Number(port),
      sslCreds: credentials.createInsecure(),
      projectId,
    }),
  );
  const publishTo = (topic: string, message: NativeMessage) => {
    const attributes: Record<string, string> = { ...message.attributes };
    if (message.contentType !== undefined) attributes['Content-Type'] = message.contentType;
    return client.topic(topic).publishMessage({ data: Buffer.from(message.body), attributes });
  };
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: false,
    send: (queue, message) => publishTo(queue, message),
    // A topic is the Pub/Sub topic of the same name; every subscription sees the published id.
    publish: (topic, message) => publishTo(topic, message),
    // A synchronous pull and a unary acknowledge: the message is gone when `receive` resolves
    // (a streaming subscriber batches its acks and may not have sent them yet).
    async receive(queue, timeoutMs) {
      const subscriber = await subscriberClient;
      const subscription = `projects/${projectId}/subscriptions/${queue}`;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [response] = await subscriber.pull({ subscription, maxMessages: 1 }, { timeout: 5_000 });
        const received = response.receivedMessages?.[0];
        if (received?.message && received.ackId) {
          await subscriber.acknowledge({ subscription, ackIds: [received.ackId] });
          const { 'Content-Type': contentType, ...attributes } = received.message.attributes ?? {};
          return {
            id: String(received.message.messageId ?? ''),
            attributes,
            body: new Uint8Array(received.message.data as Uint8Array),
            ...(contentType === undefined ? {} : { contentType }),
          };
        }
        if (Date.now() > deadline) throw new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await (await subscriberClient).close();
      await client.close();
    },
  };
}
