import {
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { MessageTooLargeError } from '@omnibus/core';
import type { EncodedMessage } from '@omnibus/core/transport';
import { BATCH_RESENDS, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from './aws-batch-limits.js';
import { AWS_MESSAGE_LIMIT_BYTES } from './aws-capabilities.js';
import { mapAwsError } from './map-aws-error.js';
import { splitBatches } from './split-batches.js';
import { toWire } from './wire-envelope.js';

interface Entry {
  readonly request: PublishBatchRequestEntry;
  readonly size: number;
}

/**
 * Publishes to one SNS topic with PublishBatch, split by entry count and total size. Subscription
 * queues use raw message delivery, so body and attributes reach them exactly as sent.
 */
export async function publishToTopic(
  sns: SNSClient,
  topicArn: string,
  messages: readonly EncodedMessage[],
  label: string,
) {
  const entries: Entry[] = messages.map((message, index) => {
    const wire = toWire(message);
    if (wire.size > AWS_MESSAGE_LIMIT_BYTES)
      throw new MessageTooLargeError(wire.size, AWS_MESSAGE_LIMIT_BYTES, { transport: 'aws' });
    return {
      request: { Id: String(index), Message: wire.body, MessageAttributes: wire.attributes },
      size: wire.size,
    };
  });
  const batches = splitBatches(entries, (entry) => entry.size, MAX_BATCH_ENTRIES, MAX_BATCH_BYTES);
  await Promise.all(batches.map((batch) => publishBatch(sns, topicArn, batch, label)));
}

async function publishBatch(sns: SNSClient, topicArn: string, batch: readonly Entry[], label: string) {
  let pending = batch.map((entry) => entry.request);
  for (let round = 0; ; round++) {
    let result: PublishBatchCommandOutput;
    try {
      result = await sns.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: pending }),
      );
    } catch (error) {
      throw mapAwsError(error, `publishing to ${label}`);
    }
    const failed = result.Failed ?? [];
    if (failed.length === 0) return;
    const senderFault = failed.find((entry) => entry.SenderFault);
    if (senderFault || round >= BATCH_RESENDS) {
      const first = senderFault ?? failed[0]!;
      const error = Object.assign(new Error(first.Message ?? 'entry refused'), {
        name: first.Code ?? 'BatchEntryFailed',
      });
      throw mapAwsError(
        error,
        `publishing to ${label} (${failed.length} of ${pending.length} entries refused)`,
      );
    }
    const ids = new Set(failed.map((entry) => entry.Id));
    pending = pending.filter((entry) => ids.has(entry.Id));
  }
}
