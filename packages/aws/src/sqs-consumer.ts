import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type Message as SqsMessage,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type Delivery,
  type DeliveryHandler,
  type EncodedMessage,
  type FailureInfo,
  type TransportSubscription,
  withHeaders,
} from '@omnibus/core/transport';
import { MAX_VISIBILITY_SECONDS } from './aws-capabilities.js';
import type { ConsumableQueue } from './aws-resources.js';
import { mapAwsError } from './map-aws-error.js';
import { createSqsDeleter } from './sqs-deleter.js';
import { sendToQueue } from './sqs-producer.js';
import { fromWireWithBase } from './wire-envelope.js';
import { MAX_RECEIVE_COUNT } from './aws-resources.js';

export interface SqsConsumerSettings {
  readonly sqs: SQSClient;
  readonly queue: ConsumableQueue;
  readonly concurrency: number;
  readonly receiveWaitSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /** The queue's redrive `maxReceiveCount`: a redelivery past it would land in the DLQ. */
  readonly maxAttempts: number;
  readonly onDelivery: DeliveryHandler;
}

/** SQS per-message delay limit, for re-sent copies. */
const MAX_DELAY_SECONDS = 900;

/** At most this many long polls run at once per consumer, each asking for up to 10 messages. */
const MAX_POLLERS = 8;

interface InFlight {
  readonly receiptHandle: string;
  receivedAt: number;
  settled: boolean;
}

/**
 * Consumes one SQS queue: several long-polling receivers share `concurrency` slots (never asking
 * for more messages than there are free slots, so nothing waits unhandled while its visibility
 * runs out), a heartbeat extends the visibility of messages whose handler runs long, acks are
 * batched deletes, a retry is a visibility change, a dead letter is a send to the DLQ then a delete.
 *
 * Two cases are re-sent as a copy (carrying the attempts made so far) and the original deleted,
 * instead of made visible again, because another receive would count against the redrive limit:
 * messages a poll returns after `stop()` was called (a stopping consumer takes no new work), and a
 * retry asked for past the limit (core retries forever when dead-lettering is off; SQS would
 * otherwise redrive the message to the DLQ). FIFO queues release with a visibility change instead:
 * a copy would lose its place in its group (and be dropped by deduplication).
 *
 * On a FIFO queue, messages of one group that arrive in one receive are handed over one at a time
 * in order; when one is retried, the rest of its group from that receive are released unhandled,
 * so the group resumes in order after the delay.
 */
export function startSqsConsumer(settings: SqsConsumerSettings): TransportSubscription {
  const { sqs, queue, concurrency, onDelivery } = settings;
  const deleter = createSqsDeleter(sqs, queue.url, queue.label);
  const inFlight = new Set<InFlight>();
  const handlers = new Set<Promise<void>>();
  let reserved = 0;
  let running = true;
  let wake: (() => void) | undefined;
  let wakeSignal = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const notify = () => {
    const resolve = wake;
    wakeSignal = new Promise<void>((next) => {
      wake = next;
    });
    resolve?.();
  };

  // Every third of the visibility timeout, messages held for at least that long are extended: each
  // is extended at the latest two thirds into its current visibility, before it could reappear.
  const heartbeatMs = Math.max(200, Math.floor((settings.visibilityTimeoutSeconds * 1000) / 3));
  const heartbeat = setInterval(() => void extendVisibility(), heartbeatMs);
  heartbeat.unref();

  const pollerCount = Math.min(MAX_POLLERS, Math.ceil(concurrency / 10));
  const pollers = Array.from({ length: pollerCount }, () => poll());

  async function poll(): Promise<void> {
    let failures = 0;
    while (running) {
      const free = concurrency - inFlight.size - reserved;
      if (free <= 0) {
        await wakeSignal;
        continue;
      }
      const want = Math.min(10, free);
      reserved += want;
      let messages: SqsMessage[];
      try {
        const result = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: want,
            WaitTimeSeconds: settings.receiveWaitSeconds,
            VisibilityTimeout: settings.visibilityTimeoutSeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
          }),
        );
        messages = result.Messages ?? [];
        failures = 0;
      } catch {
        // The SPI has no error channel for a running consumer: back off and keep trying, so a
        // broker outage delays messages but never stops the consumer for good.
        failures++;
        await Promise.race([sleep(Math.min(5000, 200 * 2 ** failures)), wakeSignal]);
        continue;
      } finally {
        reserved -= want;
      }
      if (messages.length === 0) continue;
      if (running) dispatch(messages);
      else track(handBack(messages));
    }
  }

  function dispatch(messages: SqsMessage[]) {
    if (!queue.fifo) {
      for (const message of messages) track(handle(message));
      return;
    }
    const groups = new Map<string, SqsMessage[]>();
    for (const message of messages) {
      const group = message.Attributes?.MessageGroupId ?? message.MessageId ?? '';
      const list = groups.get(group);
      if (list) list.push(message);
      else groups.set(group, [message]);
    }
    for (const list of groups.values()) track(handleGroup(list));
  }

  async function handleGroup(messages: SqsMessage[]) {
    const entries = messages.map((message) => begin(message));
    for (let index = 0; index < messages.length; index++) {
      const outcome = await deliver(messages[index]!, entries[index]!);
      if (outcome === 'retried') {
        await release(entries.slice(index + 1));
        return;
      }
    }
  }

  function handle(message: SqsMessage): Promise<void> {
    return deliver(message, begin(message)).then(() => {});
  }

  function track(work: Promise<void>) {
    handlers.add(work);
    void work.finally(() => handlers.delete(work));
  }

  function begin(message: SqsMessage): InFlight {
    const entry: InFlight = { receiptHandle: message.ReceiptHandle!, receivedAt: Date.now(), settled: false };
    inFlight.add(entry);
    return entry;
  }

  function finish(entry: InFlight) {
    entry.settled = true;
    inFlight.delete(entry);
    notify();
  }

  async function deliver(
    message: SqsMessage,
    entry: InFlight,
  ): Promise<'acked' | 'retried' | 'dead-lettered' | 'unsettled'> {
    let outcome: 'acked' | 'retried' | 'dead-lettered' | 'unsettled' = 'unsettled';
    let settling = false;
    const once = (what: string) => {
      if (settling) throw new Error(`Delivery ${message.MessageId} was already settled; cannot ${what}.`);
      settling = true;
    };
    const { encoded, attempt, received } = read(message);
    const delivery: Delivery = {
      message: encoded,
      attempt,
      raw: message,
      async ack() {
        once('ack');
        try {
          await deleter.delete(entry.receiptHandle);
          outcome = 'acked';
        } finally {
          finish(entry);
        }
      },
      async retry(delayMs: number) {
        once('retry');
        const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
        try {
          if (!queue.fifo && received >= Math.min(settings.maxAttempts, MAX_RECEIVE_COUNT)) {
            await requeue(encoded, attempt, Math.min(MAX_DELAY_SECONDS, seconds), entry);
            outcome = 'retried';
            return;
          }
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queue.url,
              ReceiptHandle: entry.receiptHandle,
              VisibilityTimeout: seconds,
            }),
          );
          outcome = 'retried';
        } catch (error) {
          throw mapAwsError(error, `scheduling a retry on ${queue.label}`);
        } finally {
          finish(entry);
        }
      },
      async deadLetter(failure: FailureInfo) {
        once('dead-letter');
        try {
          await sendToQueue(sqs, queue.deadLetterUrl, [withHeaders(encoded, failure.headers)], {
            fifo: queue.fifo,
            label: `the dead-letter queue of ${queue.label}`,
          });
          await deleter.delete(entry.receiptHandle);
          outcome = 'dead-lettered';
        } finally {
          finish(entry);
        }
      },
    };
    await onDelivery(delivery);
    // A handler that returned without settling leaves the message to reappear after its visibility.
    if (!entry.settled) finish(entry);
    return outcome;
  }

  /** Returns messages received after stop() to the queue without counting this receive. */
  async function handBack(messages: SqsMessage[]) {
    const entries = messages.map((message) => begin(message));
    if (queue.fifo) {
      await release(entries);
      return;
    }
    await Promise.all(
      messages.map(async (message, index) => {
        const { encoded, attempt } = read(message);
        try {
          await requeue(encoded, attempt - 1, 0, entries[index]!);
        } catch {
          // Left in flight: it reappears after its visibility timeout.
        } finally {
          finish(entries[index]!);
        }
      }),
    );
  }

  async function requeue(
    encoded: EncodedMessage,
    attemptBase: number,
    delaySeconds: number,
    entry: InFlight,
  ) {
    await sendToQueue(sqs, queue.url, [encoded], {
      fifo: false,
      label: queue.label,
      attemptBase,
      ...(delaySeconds > 0 ? { delaySeconds } : {}),
    });
    await deleter.delete(entry.receiptHandle);
  }

  function read(message: SqsMessage) {
    const { message: encoded, attemptBase } = fromWireWithBase(
      message.Body ?? '',
      message.MessageAttributes,
      message.MessageId ?? '',
    );
    const received = Math.max(1, Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1);
    return { encoded, attempt: attemptBase + received, received };
  }

  async function release(entries: InFlight[]) {
    if (entries.length === 0) return;
    await changeVisibility(entries, 0);
    for (const entry of entries) finish(entry);
  }

  async function extendVisibility() {
    const now = Date.now();
    const due = [...inFlight].filter((entry) => !entry.settled && now - entry.receivedAt >= heartbeatMs);
    if (due.length === 0) return;
    for (const entry of due) entry.receivedAt = now;
    await changeVisibility(due, settings.visibilityTimeoutSeconds);
  }

  async function changeVisibility(entries: InFlight[], seconds: number) {
    for (let start = 0; start < entries.length; start += 10) {
      const batch = entries.slice(start, start + 10);
      try {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: batch.map((entry, index) => ({
              Id: String(index),
              ReceiptHandle: entry.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        );
      } catch {
        // Best effort: a message whose visibility could not be changed reappears on its own.
      }
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        running = false;
        notify();
        // Open long polls are not aborted: a poll cut off after SQS picked its messages would
        // hide them for a whole visibility timeout. They return within receiveWaitSeconds.
        await Promise.all(pollers);
        while (handlers.size > 0) await Promise.allSettled([...handlers]);
        clearInterval(heartbeat);
      })();
      return stopping;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
