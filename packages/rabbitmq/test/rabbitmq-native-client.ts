import type { NativeClient, NativeMessage } from '@omnibus/contract-tests';
import amqp from 'amqplib';

/**
 * amqplib without Omnibus: publishes with confirms to the default exchange (routing key = queue
 * name) and takes messages with `basic.get`. Headers are read back as strings.
 */
export async function createRabbitMqNativeClient(url: string): Promise<NativeClient> {
  const connection = await amqp.connect(url);
  connection.on('error', () => {});
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => {});
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: true,
    async send(queue, message) {
      channel.sendToQueue(queue, Buffer.from(message.body), publishOptions(message));
      await channel.waitForConfirms();
      return message.messageId ?? '';
    },
    // A topic is a fanout exchange of the same name.
    async publish(topic, message) {
      channel.publish(topic, '', Buffer.from(message.body), publishOptions(message));
      await channel.waitForConfirms();
      return message.messageId;
    },
    async receive(queue, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await channel.get(queue, { noAck: true });
        if (got) {
          const attributes: Record<string, string> = {};
          for (const [name, value] of Object.entries(got.properties.headers ?? {})) {
            if (typeof value === 'string') attributes[name] = value;
            else if (value !== undefined && value !== null) attributes[name] = String(value);
          }
          const { contentType, messageId } = got.properties as { contentType?: string; messageId?: string };
          return {
            id: messageId ?? '',
            attributes,
            body: new Uint8Array(got.content),
            ...(contentType === undefined ? {} : { contentType }),
          };
        }
        if (Date.now() > deadline) throw new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await channel.close().catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

function publishOptions(message: NativeMessage): amqp.Options.Publish {
  const options: amqp.Options.Publish = { persistent: true, headers: { ...message.attributes } };
  if (message.contentType !== undefined) options.contentType = message.contentType;
  if (message.messageId !== undefined) options.messageId = message.messageId;
  return options;
}
