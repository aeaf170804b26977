import { ServiceBusClient } from '@azure/service-bus';
import type { NativeClient, NativeMessage } from '@omnibus/contract-tests';

/**
 * @azure/service-bus without Omnibus: sends one message with its application properties, content
 * type and message id, and receives one in peek-lock mode, completing it. The names the scenarios
 * use are valid entity paths as they are.
 */
export function createServiceBusNativeClient(connectionString: string): NativeClient {
  const client = new ServiceBusClient(connectionString);
  const sendTo = async (entity: string, message: NativeMessage) => {
    const sender = client.createSender(entity);
    try {
      await sender.sendMessages({
        body: Buffer.from(message.body),
        applicationProperties: { ...message.attributes },
        ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
        ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
      });
    } finally {
      await sender.close();
    }
    return message.messageId;
  };
  return {
    cloudEventsPrefix: 'cloudEvents:',
    contentTypeIsNative: true,
    send: async (queue, message) => (await sendTo(queue, message)) ?? '',
    // A topic is the Service Bus topic of the same name; subscriptions keep the message id.
    publish: (topic, message) => sendTo(topic, message),
    async receive(queue, timeoutMs) {
      const receiver = client.createReceiver(queue, { receiveMode: 'peekLock', skipParsingBodyAsJson: true });
      try {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: timeoutMs });
        if (!message) throw new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`);
        await receiver.completeMessage(message);
        const attributes: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
          attributes[name] = value instanceof Date ? value.toISOString() : String(value);
        }
        const body = message.body as unknown;
        return {
          id: String(message.messageId ?? ''),
          attributes,
          body: body instanceof Uint8Array ? new Uint8Array(body) : new TextEncoder().encode(String(body)),
          ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
        };
      } finally {
        await receiver.close();
      }
    },
    close: () => client.close(),
  };
}
