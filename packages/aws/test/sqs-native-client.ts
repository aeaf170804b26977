import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { NativeClient } from '@omnibus/contract-tests';

/**
 * @aws-sdk/client-sqs without Omnibus. Queue names are the scenarios' names as they are (valid SQS
 * names, no prefix). SQS has no content-type property: the content type is the `content-type`
 * String attribute. A message id cannot be chosen on SQS: `send` resolves with SQS's MessageId.
 */
export function createSqsNativeClient(endpoint: string): NativeClient {
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const urlOf = async (queue: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: false,
    async send(queue, message) {
      const attributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(message.attributes))
        attributes[name] = { DataType: 'String', StringValue: value };
      if (message.contentType !== undefined)
        attributes['content-type'] = { DataType: 'String', StringValue: message.contentType };
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: await urlOf(queue),
          MessageBody: new TextDecoder().decode(message.body),
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
      return sent.MessageId!;
    },
    async receive(queue, timeoutMs) {
      const url = await urlOf(queue);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        const message = Messages?.[0];
        if (message) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
          const attributes: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
            if (value.StringValue !== undefined) attributes[name] = value.StringValue;
          }
          const { 'content-type': contentType, ...rest } = attributes;
          return {
            id: message.MessageId!,
            attributes: rest,
            body: new TextEncoder().encode(message.Body ?? ''),
            ...(contentType === undefined ? {} : { contentType }),
          };
        }
        if (Date.now() > deadline) throw new Error(`Nothing arrived on ${queue} in ${timeoutMs} ms.`);
      }
    },
    async close() {
      sqs.destroy();
    },
  };
}
