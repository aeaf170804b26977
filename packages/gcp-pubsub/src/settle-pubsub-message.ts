import type { Message } from '@google-cloud/pubsub';

/**
 * Settling a streaming-pull message so that the returned promise means "sent to Pub/Sub".
 *
 * The client's public `ack()`/`nack()` return nothing and batch their requests; and it has no
 * "nack with a delay": `modAck(seconds)` alone would be overwritten by the lease manager's next
 * extension. So this file reaches into the subscriber the message came from — its ack/modAck
 * queues (to await their flush) and its lease inventory (to stop extending a message being
 * retried later). These members are private in @google-cloud/pubsub 5.x; every access is checked,
 * and when one is missing the fallback is the public call (an immediate nack for a delayed retry),
 * which can only make a retry earlier, never lose a message.
 */
interface SubscriberInternals {
  readonly _acks?: { onFlush?(): Promise<void> };
  readonly _modAcks?: { add?(message: Message, deadline: number): Promise<void>; onFlush?(): Promise<void> };
  readonly _inventory?: { remove?(message: Message): void };
}
interface MessageInternals {
  _handled?: boolean;
  readonly _handledPromise?: { resolve?(): void };
  readonly _subscriber?: SubscriberInternals;
}

/** Deadlines below this are expired explicitly when due (see `releaseAfter`). */
const SHORT_DELAY_SECONDS = 10;

function internals(message: Message): MessageInternals {
  return message as unknown as MessageInternals;
}

/** Acks and waits until the ack batch holding it was sent. */
export async function ackAndFlush(message: Message): Promise<void> {
  message.ack();
  // ack() queued the message synchronously, so the next flush of the queue is the one carrying it.
  await internals(message)._subscriber?._acks?.onFlush?.();
}

/**
 * Hands the message back for redelivery no earlier than `delaySeconds` from now (0: at once),
 * stops extending its lease, and waits until the deadline change was sent.
 */
export async function releaseAfter(message: Message, delaySeconds: number): Promise<void> {
  const state = internals(message);
  const subscriber = state._subscriber;
  const modAcks = subscriber?._modAcks;
  const inventory = subscriber?._inventory;
  if (delaySeconds <= 0 || !modAcks?.add || !inventory?.remove || state._handled === undefined) {
    message.nack();
    await modAcks?.onFlush?.();
    return;
  }
  if (state._handled) return;
  state._handled = true;
  modAcks.add(message, Math.ceil(delaySeconds)).catch(() => undefined);
  const flushed = modAcks.onFlush?.();
  inventory.remove(message);
  state._handledPromise?.resolve?.();
  await flushed;
  if (delaySeconds < SHORT_DELAY_SECONDS) {
    // The emulator stretches a deadline shorter than the stream's 10 s to 10 s; expiring it
    // explicitly when the delay is over keeps short backoffs short. On Pub/Sub itself this is a
    // no-op (the message is due at that moment anyway); if the process dies first, the deadline
    // set above still brings the message back.
    setTimeout(() => void modAcks.add?.(message, 0)?.catch(() => undefined), delaySeconds * 1_000).unref();
  }
}
