import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message as SqsMessage,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@omnibus/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mapAwsError } from '../map-aws-error.js';

/** Options of `startLocalSqsEventSource`. */
export interface LocalSqsEventSourceOptions {
  /** A client of the SQS endpoint (an emulator such as fauxqs, or a real queue for a dry run). */
  sqs: SQSClient;
  queueUrl: string;
  /** The function handler, invoked with one batch at a time as Lambda invokes it. */
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined | void>;
  /** Records per invocation, as the event source mapping's `BatchSize` (1–10 here). @default 10 */
  batchSize?: number;
  /** Visibility timeout of received messages, as the queue's (Lambda uses the queue's). @default 30 */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait per receive. @default 20 */
  waitTimeSeconds?: number;
  /** As `FunctionResponseTypes: ['ReportBatchItemFailures']`. @default true */
  reportBatchItemFailures?: boolean;
  /** Called when an invocation threw (the whole batch then comes back after its visibility timeout). */
  onInvocationError?: (error: unknown) => void;
}

/** A running local event source. */
export interface LocalSqsEventSource {
  /** Invocations made so far. */
  readonly invocations: number;
  /** Stops polling after the current receive and invocation. */
  stop(): Promise<void>;
}

/**
 * A local stand-in for Lambda's SQS event source mapping, to run a function handler against an SQS
 * emulator the way Lambda calls it: it long-polls up to `batchSize` messages with the visibility
 * timeout, invokes the handler with an `SQSEvent` in Lambda's record shape (`messageId`,
 * `receiptHandle`, `body`, `attributes` with `ApproximateReceiveCount`, `messageAttributes` as
 * `{ stringValue, dataType }`, `eventSourceARN`…), and then settles the batch as Lambda does:
 *
 * - the handler returned: every record is deleted except those listed in `batchItemFailures`, which
 *   stay in flight until their visibility runs out (or the handler changed it); a response naming
 *   an identifier that is not in the batch fails the whole batch, as on Lambda;
 * - the handler threw (or, without `reportBatchItemFailures`, returned failures): nothing is deleted.
 *
 * One invocation at a time, in receive order (which keeps a FIFO queue's groups in order).
 */
export function startLocalSqsEventSource(options: LocalSqsEventSourceOptions): LocalSqsEventSource {
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)
    throw new ConfigurationError(`batchSize must be an integer from 1 to 10; got ${String(batchSize)}.`);
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  const wait = options.waitTimeSeconds ?? 20;
  const reportFailures = options.reportBatchItemFailures ?? true;
  const { sqs, queueUrl } = options;
  let running = true;
  let invocations = 0;

  const loop = (async () => {
    const arn = await queueArn(sqs, queueUrl);
    const region = arn.split(':')[3] ?? 'us-east-1';
    while (running) {
      let messages: SqsMessage[];
      try {
        const result = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            VisibilityTimeout: visibility,
            WaitTimeSeconds: wait,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = result.Messages ?? [];
      } catch (error) {
        if (!running) return;
        options.onInvocationError?.(mapAwsError(error, `receiving from ${queueUrl}`));
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      const records = messages.map((message) => toRecord(message, arn, region));
      invocations++;
      let response: SQSBatchResponse | undefined | void;
      try {
        response = await options.handler({ Records: records });
      } catch (error) {
        options.onInvocationError?.(error);
        continue;
      }
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      if (failed.size > 0 && !reportFailures) continue;
      const known = new Set(records.map((record) => record.messageId));
      if ([...failed].some((identifier) => !known.has(identifier))) continue;
      const done = records.filter((record) => !failed.has(record.messageId));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((record, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
            })),
          }),
        );
      }
    }
  })();

  return {
    get invocations() {
      return invocations;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  try {
    const result = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = result.Attributes?.QueueArn;
    if (!arn) throw new Error('no QueueArn attribute');
    return arn;
  } catch (error) {
    throw mapAwsError(error, `reading the ARN of ${queueUrl}`);
  }
}

/** One received message in the record shape Lambda passes to a function. */
function toRecord(message: SqsMessage, arn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, attribute] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(attribute.StringValue !== undefined ? { stringValue: attribute.StringValue } : {}),
      ...(attribute.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(attribute.BinaryValue).toString('base64') }
        : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: attribute.DataType ?? 'String',
    };
  }
  const attributes: SQSRecord['attributes'] = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const name of [
    'SequenceNumber',
    'MessageGroupId',
    'MessageDeduplicationId',
    'AWSTraceHeader',
  ] as const) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}
