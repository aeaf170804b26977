import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapAwsError } from './map-aws-error.js';

interface PendingDelete {
  readonly receiptHandle: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces acks into DeleteMessageBatch calls of up to 10, flushed at the end of the current
 * turn of the event loop: handlers finishing together cost one request, a lone ack costs no wait.
 */
export interface SqsDeleter {
  delete(receiptHandle: string): Promise<void>;
}

export function createSqsDeleter(sqs: SQSClient, url: string, label: string): SqsDeleter {
  let queue: PendingDelete[] = [];
  let scheduled = false;

  function flush() {
    scheduled = false;
    const taken = queue;
    queue = [];
    for (let start = 0; start < taken.length; start += 10) void send(taken.slice(start, start + 10));
  }

  async function send(batch: PendingDelete[]) {
    try {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle })),
        }),
      );
      const failed = new Map((result.Failed ?? []).map((entry) => [entry.Id, entry]));
      batch.forEach((entry, index) => {
        const failure = failed.get(String(index));
        if (!failure) entry.resolve();
        else {
          const error = Object.assign(new Error(failure.Message ?? 'delete refused'), {
            name: failure.Code ?? 'DeleteFailed',
          });
          entry.reject(mapAwsError(error, `deleting a message from ${label}`));
        }
      });
    } catch (error) {
      const mapped = mapAwsError(error, `deleting messages from ${label}`);
      for (const entry of batch) entry.reject(mapped);
    }
  }

  return {
    delete(receiptHandle) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ receiptHandle, resolve, reject });
        if (queue.length >= 10) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
