import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NativeClient, NativeMessage } from '@omnibus/contract-tests';

/**
 * @aws-sdk/client-sqs without Omnibus. Queue names are the scenarios' names as they are (valid SQS
 * names, no prefix). SQS has no content-type property: the content type is the `content-type`
 * String attribute. A message id cannot be chosen on SQS: `send` resolves with SQS's MessageId.
 * A topic is the SNS topic of the same name; SNS delivers into each subscription's queue with a
 * MessageId of that queue's own, so `publish` cannot tell it.
 */
export function createSqsNativeClient(endpoint: string): NativeClient {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const urlOf = async (queue: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
  return {
    cloudEventsPrefix: 'ce-',
    contentTypeIsNative: false,
    async send(queue, message) {
      const attributes = messageAttributes(message);
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: await urlOf(queue),
          MessageBody: new TextDecoder().decode(message.body),
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
      return sent.MessageId!;
    },
    async publish(topic, message) {
      // CreateTopic of an existing topic returns its ARN.
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic }));
      const attributes = messageAttributes(message);
      await sns.send(
        new PublishCommand({
          TopicArn,
          Message: new TextDecoder().decode(message.body),
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
      return undefined;
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
      sns.destroy();
    },
  };
}

/** The attributes as String message attributes (the same shape on SQS and SNS), content type included. */
function messageAttributes(message: NativeMessage): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.attributes))
    attributes[name] = { DataType: 'String', StringValue: value };
  if (message.contentType !== undefined)
    attributes['content-type'] = { DataType: 'String', StringValue: message.contentType };
  return attributes;
}
