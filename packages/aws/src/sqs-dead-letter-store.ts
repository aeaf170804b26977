import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message as SqsMessage,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ClosedError } from '@omnibus/core';
import type { DeadLetterStore, LeasedDeadLetter, StoredDeadLetter } from '@omnibus/core/transport';
import type { AwsResources } from './aws-resources.js';
import { mapAwsError } from './map-aws-error.js';
import { createSqsDeleter } from './sqs-deleter.js';
import { sendToQueue } from './sqs-producer.js';
import { fromWire } from './wire-envelope.js';

/** How long a peek hides the messages it shows, at most (they are made visible again at once). */
const PEEK_VISIBILITY_SECONDS = 30;
/** SQS's longest visibility timeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The SQS dead-letter store, plus a way to give back every lease when the transport closes. */
export interface SqsDeadLetterStore extends DeadLetterStore {
  /** Makes every message still leased visible again (best effort), as a clean shutdown should. */
  releaseAll(): Promise<void>;
}

/**
 * Dead-letter management on SQS, with receive/send/delete. SQS counts only approximately
 * (`ApproximateNumberOfMessages` plus those in flight) and has no browse: a peek receives messages
 * and makes them visible again at once, so for that moment other readers do not see them. A lease
 * is the visibility timeout; a crashed redrive's letters come back when it runs out.
 *
 * `StartMessageMoveTask` is not used: it moves messages verbatim (failure headers and the carried
 * attempt count included), only back to the queue whose redrive policy names this DLQ, and takes
 * neither ids nor patterns — the options core promises cannot all be kept with it.
 */
export function createSqsDeadLetterStore(
  sqs: SQSClient,
  resources: AwsResources,
  ensureOpen: () => void,
): SqsDeadLetterStore {
  const open = new Map<string, { url: string; receiptHandle: string }>();
  // Receives still running: a close waits for them, so what they lease is given back too.
  const receiving = new Set<Promise<unknown>>();

  async function receiveOnce(url: string, max: number, visibilitySeconds: number): Promise<SqsMessage[]> {
    try {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max),
          // A short wait: SQS short polls sample a subset of servers and may miss messages.
          WaitTimeSeconds: 1,
          VisibilityTimeout: visibilitySeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      return result.Messages ?? [];
    } catch (error) {
      throw mapAwsError(error, 'receiving dead letters');
    }
  }

  /** Receives until `limit` messages or SQS returns none. */
  async function receiveUpTo(url: string, limit: number, visibilitySeconds: number): Promise<SqsMessage[]> {
    const taken: SqsMessage[] = [];
    while (taken.length < limit) {
      const batch = await receiveOnce(url, limit - taken.length, visibilitySeconds);
      if (batch.length === 0) break;
      taken.push(...batch);
    }
    return taken;
  }

  async function makeVisible(url: string, receiptHandles: readonly string[]): Promise<void> {
    for (let start = 0; start < receiptHandles.length; start += 10) {
      const entries = receiptHandles
        .slice(start, start + 10)
        .map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
      try {
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
      } catch (error) {
        throw mapAwsError(error, 'making dead letters visible again');
      }
    }
  }

  const stored = (message: SqsMessage): StoredDeadLetter => {
    const sent = Number(message.Attributes?.SentTimestamp);
    return {
      message: fromWire(message.Body ?? '', message.MessageAttributes, message.MessageId ?? ''),
      ...(Number.isFinite(sent) ? { deadLetteredAt: sent } : {}),
    };
  };

  return {
    async count(of) {
      ensureOpen();
      const { url, label } = await resources.deadLetterQueue(of);
      try {
        const result = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const attributes = result.Attributes ?? {};
        return (
          Number(attributes.ApproximateNumberOfMessages ?? 0) +
          Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
        );
      } catch (error) {
        throw mapAwsError(error, `counting the ${label}`);
      }
    },

    async peek(of, { limit }) {
      ensureOpen();
      const { url } = await resources.deadLetterQueue(of);
      const taken = await receiveUpTo(url, limit, PEEK_VISIBILITY_SECONDS);
      await makeVisible(
        url,
        taken.map((message) => message.ReceiptHandle!),
      );
      return taken.map(stored);
    },

    async receive(of, { limit, leaseMs }) {
      ensureOpen();
      const { url, label } = await resources.deadLetterQueue(of);
      const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(leaseMs / 1000)));
      const deleter = createSqsDeleter(sqs, url, label);
      // The leases are registered inside the tracked promise, so a close that waits for it sees them.
      const pending = receiveUpTo(url, limit, seconds).then((taken) =>
        taken.map((message): LeasedDeadLetter => {
          const receiptHandle = message.ReceiptHandle!;
          const key = `${url} ${receiptHandle}`;
          open.set(key, { url, receiptHandle });
          return {
            ...stored(message),
            async remove() {
              if (!open.delete(key))
                throw new ClosedError('The lease of this dead letter already ended.', { transport: 'aws' });
              await deleter.delete(receiptHandle);
            },
            async release() {
              if (!open.delete(key)) return;
              await makeVisible(url, [receiptHandle]);
            },
          };
        }),
      );
      receiving.add(pending);
      try {
        return await pending;
      } finally {
        receiving.delete(pending);
      }
    },

    async sendToSubscription(of, messages) {
      ensureOpen();
      const url = await resources.subscriptionQueue(of);
      await sendToQueue(sqs, url, messages, {
        fifo: false,
        label: `subscription '${of.topic}/${of.subscription}'`,
      });
    },

    async releaseAll() {
      await Promise.allSettled([...receiving]);
      const byQueue = new Map<string, string[]>();
      for (const { url, receiptHandle } of open.values())
        byQueue.set(url, [...(byQueue.get(url) ?? []), receiptHandle]);
      open.clear();
      await Promise.allSettled([...byQueue].map(([url, handles]) => makeVisible(url, handles)));
    },
  };
}
