import { createHash } from 'node:crypto';
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MessageTooLargeError } from '@omnibus/core';
import type { EncodedMessage } from '@omnibus/core/transport';
import { BATCH_RESENDS, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from './aws-batch-limits.js';
import { AWS_MESSAGE_LIMIT_BYTES } from './aws-capabilities.js';
import { mapAwsError } from './map-aws-error.js';
import { splitBatches } from './split-batches.js';
import { toWire, type WireMessage } from './wire-envelope.js';

export interface SqsSendOptions {
  readonly delaySeconds?: number;
  readonly fifo: boolean;
  /** Attempts made before these copies (see `wire-envelope.ts`). */
  readonly attemptBase?: number;
  /** For errors: `queue 'orders'`. */
  readonly label: string;
}

/**
 * Sends messages to one SQS queue with SendMessageBatch, split by entry count and total size, the
 * batches in parallel. Resolves when SQS confirmed every entry.
 */
export async function sendToQueue(
  sqs: SQSClient,
  url: string,
  messages: readonly EncodedMessage[],
  options: SqsSendOptions,
): Promise<void> {
  const entries = messages.map((message, index) => toEntry(message, index, options));
  const batches = splitBatches(entries, (entry) => entry.size, MAX_BATCH_ENTRIES, MAX_BATCH_BYTES);
  await Promise.all(batches.map((batch) => sendBatch(sqs, url, batch, options.label)));
}

interface Entry {
  readonly request: SendMessageBatchRequestEntry;
  readonly size: number;
}

function toEntry(message: EncodedMessage, index: number, options: SqsSendOptions): Entry {
  const wire: WireMessage = toWire(message, options.attemptBase);
  if (wire.size > AWS_MESSAGE_LIMIT_BYTES) {
    throw new MessageTooLargeError(wire.size, AWS_MESSAGE_LIMIT_BYTES, { transport: 'aws' });
  }
  const request: SendMessageBatchRequestEntry = {
    Id: String(index),
    MessageBody: wire.body,
    MessageAttributes: wire.attributes,
  };
  if (options.fifo) {
    // Ordering is per key; messages without a key get a group of their own, so they never wait
    // behind each other. Deduplication by id makes a resent batch harmless.
    request.MessageGroupId = fifoToken(message.key ?? message.id);
    request.MessageDeduplicationId = fifoToken(message.id);
  } else if (options.delaySeconds) {
    request.DelaySeconds = options.delaySeconds;
  }
  return { request, size: wire.size };
}

/** FIFO group and deduplication ids: 1–128 printable ASCII characters; anything else is hashed. */
export function fifoToken(value: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(value) ? value : createHash('sha256').update(value).digest('hex');
}

async function sendBatch(sqs: SQSClient, url: string, batch: readonly Entry[], label: string): Promise<void> {
  let pending = batch.map((entry) => entry.request);
  for (let round = 0; ; round++) {
    let result: SendMessageBatchCommandOutput;
    try {
      result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: pending }));
    } catch (error) {
      throw mapAwsError(error, `sending to ${label}`);
    }
    const failed = result.Failed ?? [];
    if (failed.length === 0) return;
    const senderFault = failed.find((entry) => entry.SenderFault);
    if (senderFault || round >= BATCH_RESENDS) {
      const first = senderFault ?? failed[0]!;
      const error = Object.assign(new Error(first.Message ?? 'entry refused'), {
        name: first.Code ?? 'BatchEntryFailed',
      });
      const mapped = mapAwsError(
        error,
        `sending to ${label} (${failed.length} of ${pending.length} entries refused)`,
      );
      throw mapped;
    }
    const ids = new Set(failed.map((entry) => entry.Id));
    pending = pending.filter((entry) => ids.has(entry.Id));
  }
}
