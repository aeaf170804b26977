import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, type ConsumerDefinition, isConsumerDefinition } from '@omnibus/core';
import { type Delivery, type FailureInfo, withHeaders } from '@omnibus/core/transport';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MAX_VISIBILITY_SECONDS } from '../aws-capabilities.js';
import { mapAwsError } from '../map-aws-error.js';
import { sendToQueue } from '../sqs-producer.js';
import { fromWireWithBase } from '../wire-envelope.js';
import type { LambdaEntryOptions } from './lambda-options.js';
import { createSqsQueueLocator, type LocatedQueue } from './sqs-queue-locator.js';

/** A Lambda handler for an SQS event source with `ReportBatchItemFailures` on. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * A Lambda function handler for an SQS event source mapping (with `FunctionResponseTypes:
 * ['ReportBatchItemFailures']`), running every record of a batch through the same runtime as
 * `bus.consumer(definition)`:
 *
 * - success: the record is left out of `batchItemFailures`, and Lambda deletes it;
 * - a retry: the record's visibility is set to the backoff delay (`ChangeMessageVisibility`), and it
 *   is reported as a failure, so SQS hands it back after the delay with `ApproximateReceiveCount`
 *   (the attempt) one higher;
 * - a dead letter (`PermanentError`, an undecodable message, a schema failure, or the last attempt):
 *   the record is sent to the queue's redrive target with the failure headers, then left out of
 *   `batchItemFailures` so Lambda deletes it. A crash or a timeout of the function is left to the
 *   redrive policy: set its `maxReceiveCount` above the definition's `retry.attempts`;
 * - a settle that did not happen (SQS unreachable): reported as a failure; SQS redelivers.
 *
 * Standard queues: up to the definition's `concurrency` records at once. FIFO queues: in order; after
 * the first record that is not done, the rest of the batch is reported unprocessed, as Lambda
 * requires for FIFO sources. Every send a handler makes is confirmed before the batch returns.
 */
export function createSqsHandler<T>(
  definition: ConsumerDefinition<T>,
  options: LambdaEntryOptions,
): SqsBatchHandler {
  checkDefinition(definition, 'createSqsHandler');
  // defineConsumer validated the options; 10 is the consumer default.
  const concurrency = definition.options.concurrency ?? 10;
  let sqs = options.sqs;
  let locator: ReturnType<typeof createSqsQueueLocator> | undefined;

  return async (event) => {
    const bus = await options.bus;
    sqs ??= new SQSClient({});
    locator ??= createSqsQueueLocator(sqs);
    const client = sqs;
    const queues = locator;
    const records = event?.Records ?? [];
    const failed = new Set<string>();

    async function run(record: SQSRecord): Promise<boolean> {
      let queue: LocatedQueue;
      try {
        queue = await queues.locate(record.eventSourceARN);
      } catch {
        // Without the queue nothing can be settled; SQS redelivers after the visibility timeout.
        return false;
      }
      let done = false;
      await bus.handleDelivery(
        definition,
        toDelivery(client, queue, record, (outcome) => (done = outcome)),
      );
      return done;
    }

    if (records.length > 0 && records[0]!.eventSourceARN?.endsWith('.fifo')) {
      for (let index = 0; index < records.length; index++) {
        if (await run(records[index]!)) continue;
        for (const rest of records.slice(index)) failed.add(rest.messageId);
        break;
      }
    } else {
      let next = 0;
      const worker = async () => {
        while (next < records.length) {
          const record = records[next++]!;
          if (!(await run(record))) failed.add(record.messageId);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, records.length) }, worker));
    }
    const batchItemFailures: SQSBatchItemFailure[] = records
      .filter((record) => failed.has(record.messageId))
      .map((record) => ({ itemIdentifier: record.messageId }));
    return { batchItemFailures };
  };
}

/**
 * The `Delivery` of one record. `settled(true)` means Lambda may delete it (handled, or moved to
 * the dead-letter queue); `settled(false)` means it must be reported as a batch item failure.
 */
function toDelivery(
  sqs: SQSClient,
  queue: LocatedQueue,
  record: SQSRecord,
  settled: (done: boolean) => void,
): Delivery {
  const { message, attemptBase } = fromWireWithBase(
    record.body ?? '',
    toWireAttributes(record.messageAttributes),
    record.messageId,
  );
  const received = Math.max(1, Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1);
  return {
    message,
    attempt: attemptBase + received,
    raw: record,
    async ack() {
      settled(true);
    },
    async retry(delayMs: number) {
      settled(false);
      const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queue.url,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
      } catch (error) {
        // Still a failure: the record comes back after the event source's visibility timeout.
        throw mapAwsError(error, `scheduling a retry of ${record.messageId}`);
      }
    },
    async deadLetter(failure: FailureInfo) {
      settled(false);
      if (!queue.deadLetterUrl) {
        throw new ConfigurationError(
          `${record.eventSourceARN} has no redrive policy, so message ${message.id} cannot be dead-lettered (${failure.reason}). Give the queue a dead-letter queue.`,
          { transport: 'aws' },
        );
      }
      await sendToQueue(sqs, queue.deadLetterUrl, [withHeaders(message, failure.headers)], {
        fifo: queue.fifo,
        label: `the dead-letter queue of ${record.eventSourceARN}`,
      });
      settled(true);
    },
  };
}

/** Lambda spells SQS message attributes `{ stringValue, dataType }`; the wire reader wants `StringValue`. */
export function toWireAttributes(
  attributes: SQSRecord['messageAttributes'] | undefined,
): Record<string, { StringValue?: string }> {
  const wire: Record<string, { StringValue?: string }> = {};
  if (!attributes) return wire;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name]?.stringValue;
    if (typeof value === 'string') wire[name] = { StringValue: value };
  }
  return wire;
}

export function checkDefinition(definition: ConsumerDefinition<never>, entry: string): void {
  if (!isConsumerDefinition(definition))
    throw new ConfigurationError(`${entry} needs a definition made by defineConsumer().`, {
      transport: 'aws',
    });
}
