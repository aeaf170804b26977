import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import {
  type DeliveryHandler,
  type EncodedMessage,
  type FailureInfo,
  type TransportSubscription,
  withHeaders,
} from '@omnibus/core/transport';
import { MAX_ACK_DEADLINE_SECONDS } from './gcp-pubsub-capabilities.js';
import { fromPubSubMessage } from './pubsub-wire-message.js';
import { createRedeliveryCounter } from './redelivery-counter.js';
import { ackAndFlush, releaseAfter } from './settle-pubsub-message.js';

/** How one streaming-pull consumer runs. */
export interface PubSubConsumerOptions {
  readonly pubsub: PubSub;
  /** Native subscription id. */
  readonly subscription: string;
  /** Most deliveries handed out and not yet settled; also the client's flow-control window. */
  readonly concurrency: number;
  /** `'key'`: one delivery per ordering key at a time, in order. */
  readonly ordering: 'key' | 'none';
  readonly ackBatching: { readonly maxMessages: number; readonly maxMilliseconds: number };
  /** Publishes a dead letter (confirmed) to this source's dead-letter topic. */
  readonly deadLetter: (message: EncodedMessage) => Promise<void>;
  /** Where native dead letters came from, for the failure headers of those Pub/Sub forwarded itself. */
  readonly describeSource: string;
}

/**
 * Streams messages from one subscription with the client's flow control (max outstanding =
 * concurrency) and lease extension, and hands each to `onDelivery` as a `Delivery`.
 */
export function startPubSubConsumer(
  options: PubSubConsumerOptions,
  onDelivery: DeliveryHandler,
): TransportSubscription {
  const subscription: Subscription = options.pubsub.subscription(options.subscription, {
    flowControl: { maxMessages: options.concurrency, allowExcessMessages: false },
    batching: options.ackBatching,
    // One stream is enough below a few hundred in flight and keeps per-key order in one place.
    streamingOptions: { maxStreams: Math.max(1, Math.min(4, Math.floor(options.concurrency / 100))) },
  });
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let reopenTimer: NodeJS.Timeout | undefined;
  /** Messages waiting behind an in-flight one of the same ordering key. */
  const waiting = new Map<string, Message[]>();
  /** Redeliveries seen here, for subscriptions without a dead-letter policy (no deliveryAttempt). */
  const seen = createRedeliveryCounter();

  /** The ordering key, from Pub/Sub or (when a client or emulator leaves it out) the envelope. */
  function orderingKeyOf(message: Message): string | undefined {
    if (options.ordering !== 'key') return undefined;
    return message.orderingKey || message.attributes?.['ce-partitionkey'] || undefined;
  }

  function attemptOf(message: Message): number {
    return seen.attempt(message.id, message.deliveryAttempt);
  }

  function hand(message: Message): void {
    inFlight++;
    let settled = false;
    const encoded = fromPubSubMessage(message, options.describeSource);
    const key = orderingKeyOf(message);
    const finish = (outcome: 'done' | 'retry') => {
      if (key !== undefined) {
        const queue = waiting.get(key);
        if (outcome === 'retry' || stopping) {
          // Pub/Sub redelivers the retried message and then its successors, in order: hand the
          // successors back too so they cannot overtake it.
          waiting.delete(key);
          for (const later of queue ?? []) void releaseAfter(later, 0);
        } else {
          // The entry stays while the next one is in flight, so a message of this key arriving
          // meanwhile queues behind it instead of running beside it.
          const next = queue?.shift();
          if (next) hand(next);
          else waiting.delete(key);
        }
      }
      inFlight--;
      if (inFlight === 0 && idle) idle();
    };
    const once = () => {
      if (settled) throw new Error(`Delivery of message ${encoded.id} was already settled.`);
      settled = true;
    };
    const attempt = attemptOf(message);
    void onDelivery({
      message: encoded,
      attempt,
      raw: message,
      async ack() {
        once();
        try {
          await ackAndFlush(message);
          seen.forget(message.id);
        } finally {
          finish('done');
        }
      },
      async retry(delayMs: number) {
        once();
        const seconds = Math.min(MAX_ACK_DEADLINE_SECONDS, Math.max(0, delayMs / 1000));
        try {
          await releaseAfter(message, seconds);
        } finally {
          finish('retry');
        }
      },
      async deadLetter(failure: FailureInfo) {
        once();
        try {
          await options.deadLetter(withHeaders(encoded, failure.headers));
        } catch (error) {
          // Not dead-lettered, so not removed: it comes back and is tried again.
          await releaseAfter(message, 0);
          finish('retry');
          throw error;
        }
        try {
          await ackAndFlush(message);
          seen.forget(message.id);
        } finally {
          finish('done');
        }
      },
    });
  }

  function onMessage(message: Message): void {
    if (stopping) {
      void releaseAfter(message, 0);
      return;
    }
    const key = orderingKeyOf(message);
    if (key !== undefined) {
      const queue = waiting.get(key);
      if (queue) {
        queue.push(message);
        return;
      }
      waiting.set(key, []);
    }
    hand(message);
  }

  function onError(): void {
    // The client retries transient stream errors itself and closes on permanent ones (e.g. the
    // subscription was deleted); reopen after a pause until stopped.
    if (stopping || reopenTimer) return;
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined;
      if (!stopping && !subscription.isOpen) subscription.open();
    }, 1_000);
    reopenTimer.unref();
  }

  subscription.on('message', onMessage);
  subscription.on('error', onError);

  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (reopenTimer) clearTimeout(reopenTimer);
        for (const queue of waiting.values()) for (const message of queue) void releaseAfter(message, 0);
        waiting.clear();
        if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
        subscription.removeListener('message', onMessage);
        await subscription.close().catch(() => undefined);
        subscription.removeListener('error', onError);
        subscription.on('error', () => undefined);
      })();
      return stopped;
    },
  };
}
