import { FailureHeader } from '@omnibus/core';
import { type EncodedMessage, type FailureInfo, withHeaders } from '@omnibus/core/transport';
import type { Clock } from './clock.js';
import type { MemoryDelivery, QueueConsumer } from './queue-consumer.js';
import { RingDeque } from './ring-deque.js';

/** One stored copy of a message in one queue. Deliveries of it come and go; the entry stays until settled. */
export class Entry {
  /** Why it was dead-lettered, on entries of a dead-letter queue. */
  reason: string | undefined = undefined;

  constructor(
    readonly message: EncodedMessage,
    /** The attempt number its next delivery carries. */
    public attempt: number,
  ) {}
}

/**
 * Why an entry is held back in the broker's timer heap: a delay, or the lease of an abandoned
 * delivery that ends in redelivery or (attempts exhausted) in the dead-letter queue.
 */
export type HoldKind = 'delay' | 'redeliver' | 'dead-letter';

/** What a queue needs from the broker that owns it. */
export interface QueueHost {
  readonly clock: Clock;
  /** Asks for `queue.drain()` soon; many requests in one turn cost one drain. */
  requestDrain(queue: MemoryQueue): void;
  /** Keeps `entry` away until `dueAt`, then calls `queue.release(entry, kind)`. */
  hold(queue: MemoryQueue, entry: Entry, dueAt: number, kind: HoldKind): void;
  /** The dead-letter queue of `queue`, created on first use. */
  deadLetterQueueOf(queue: MemoryQueue): MemoryQueue;
  /** Told when consumers attach (+1) or detach (-1). */
  consumersChanged(delta: number): void;
  /** Retry delays are capped here (the transport's `capabilities.retryDelay.maxMs`). */
  readonly maxRetryDelayMs: number;
}

/** Counts of one queue's messages by state. */
export interface QueueCounts {
  /** Waiting to be delivered (including messages waiting behind another of the same ordering key). */
  readonly ready: number;
  /** Handed to a consumer and not yet settled (or abandoned by a lost consumer, until their lease runs out). */
  readonly inFlight: number;
  /** Sent with a delay, or retried with a delay, and not yet due. */
  readonly delayed: number;
  /** Consumers attached now. */
  readonly consumers: number;
}

/**
 * A queue: ready messages in a ring buffer, in-flight ones counted per consumer, delayed ones in
 * the broker's timer heap. Messages with the same ordering key go out one at a time, in order,
 * once the queue is ordered (a consumer or producer asked for `ordering: 'key'`).
 */
export class MemoryQueue {
  readonly ready = new RingDeque<Entry>();
  readonly consumers: QueueConsumer[] = [];
  inFlight = 0;
  delayed = 0;
  /** Set by the broker's scheduler while a drain is pending. */
  drainRequested = false;
  /** Whether same-key messages are serialised. Once set, stays set (like a FIFO queue's kind). */
  ordered = false;
  /** Acks still to be "lost" by fault injection: the message comes back with attempt + 1. */
  forcedRedeliveries = 0;
  /** The dead-letter queue, once created. */
  deadLetters: MemoryQueue | undefined = undefined;

  // Ordering by key: the entry that owns each key, and entries waiting for it, in arrival order.
  private readonly holders = new Map<string, Entry>();
  private readonly blocked = new Map<string, RingDeque<Entry>>();
  private blockedCount = 0;
  private turn = 0;

  constructor(
    /** `orders`, `orders.dlq`, or `topic/subscription` for a subscription. */
    readonly name: string,
    private readonly host: QueueHost,
  ) {}

  /** Stores a message for delivery now. */
  enqueue(entry: Entry): void {
    this.ready.push(entry);
    if (this.consumers.length > 0) this.host.requestDrain(this);
  }

  /** Stores a message for delivery at `dueAt` (clock time). */
  enqueueAt(entry: Entry, dueAt: number): void {
    this.delayed++;
    this.host.hold(this, entry, dueAt, 'delay');
  }

  /** An entry held by the broker came due: a delay ended, or an abandoned delivery's lease ran out. */
  release(entry: Entry, kind: HoldKind): void {
    if (kind === 'delay') {
      this.delayed--;
      this.enqueue(entry);
      return;
    }
    this.inFlight--;
    if (kind === 'redeliver') {
      entry.attempt++;
      this.enqueue(entry);
      return;
    }
    // Like a native max-receive-count: a message whose consumers keep dying ends in the dead-letter queue.
    const reason = `LeaseExpired: the consumer of ${this.name} was lost during attempt ${entry.attempt}, the last allowed.`;
    this.moveToDeadLetters(entry, {
      reason,
      headers: {
        [FailureHeader.error]: reason,
        [FailureHeader.failedQueue]: this.name,
        [FailureHeader.failedAt]: new Date(this.host.clock.now()).toISOString(),
        [FailureHeader.attempts]: String(entry.attempt),
      },
    });
  }

  attach(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.host.consumersChanged(1);
    this.host.requestDrain(this);
  }

  detach(consumer: QueueConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    this.host.consumersChanged(-1);
  }

  /**
   * Hands ready messages to consumers with spare capacity, round robin, until either runs out.
   * Returns how many were handed out. Handlers run synchronously up to their first `await`, so
   * everything here tolerates re-entrant settles, sends and stops.
   */
  drain(): number {
    const consumers = this.consumers;
    const ready = this.ready;
    let dispatched = 0;
    let full = 0;
    while (ready.length > 0) {
      const count = consumers.length;
      if (count === 0 || full >= count) break;
      if (this.turn >= count) this.turn = 0;
      const consumer = consumers[this.turn++]!;
      if (consumer.inFlight >= consumer.concurrency) {
        full++;
        continue;
      }
      full = 0;
      const entry = ready.shift()!;
      if (this.ordered && !this.acquireKey(entry)) continue;
      this.inFlight++;
      dispatched++;
      consumer.deliver(entry);
    }
    return dispatched;
  }

  ack(delivery: MemoryDelivery): void {
    if (!this.take(delivery)) return;
    const entry = delivery.entry;
    if (this.forcedRedeliveries > 0) {
      // Fault injection: the broker "never got" this ack, so the message comes back.
      this.forcedRedeliveries--;
      entry.attempt++;
      this.enqueue(entry);
      return;
    }
    this.releaseKey(entry);
    this.drainIfConsumed();
  }

  retry(delivery: MemoryDelivery, delayMs: number): void {
    if (!this.take(delivery)) return;
    const entry = delivery.entry;
    entry.attempt++;
    // NaN and negatives mean "now"; the key stays owned by this entry, so same-key order holds.
    const delay = delayMs > 0 ? Math.min(delayMs, this.host.maxRetryDelayMs) : 0;
    if (delay > 0) this.enqueueAt(entry, this.host.clock.now() + delay);
    else this.enqueue(entry);
  }

  deadLetter(delivery: MemoryDelivery, failure: FailureInfo): void {
    if (!this.take(delivery)) return;
    this.moveToDeadLetters(delivery.entry, failure);
  }

  /**
   * The delivery's consumer is gone without settling it: the message stays in flight until its
   * lease (the visibility timeout) runs out, then comes back with attempt + 1 — or, if that was
   * the consumer's last allowed attempt, goes to the dead-letter queue.
   */
  abandon(delivery: MemoryDelivery): void {
    if (delivery.settled) return;
    delivery.settled = true;
    const consumer = delivery.consumer;
    consumer.release(delivery);
    const kind = delivery.attempt >= consumer.maxAttempts ? 'dead-letter' : 'redeliver';
    this.host.hold(this, delivery.entry, this.host.clock.now() + consumer.visibilityTimeoutMs, kind);
  }

  counts(): QueueCounts {
    return {
      ready: this.ready.length + this.blockedCount,
      inFlight: this.inFlight,
      delayed: this.delayed,
      consumers: this.consumers.length,
    };
  }

  /** Every entry waiting to be delivered, in delivery order as far as it is known now. */
  waiting(): Entry[] {
    const entries = this.ready.toArray();
    for (const queue of this.blocked.values()) entries.push(...queue.toArray());
    return entries;
  }

  /** Takes up to `limit` ready entries out of the queue, counted in flight until settled. */
  lease(limit: number): Entry[] {
    const taken: Entry[] = [];
    while (taken.length < limit && this.ready.length > 0) taken.push(this.ready.shift()!);
    this.inFlight += taken.length;
    return taken;
  }

  /** A leased entry is done with: deleted. */
  dropLease(): void {
    this.inFlight--;
  }

  /** A leased entry goes back to the front, unchanged. */
  returnLease(entry: Entry): void {
    this.inFlight--;
    this.ready.unshift(entry);
    if (this.consumers.length > 0) this.host.requestDrain(this);
  }

  /** Whether this queue has nothing to hand out that someone could take. */
  isIdle(): boolean {
    return this.inFlight === 0 && (this.ready.length === 0 || this.consumers.length === 0);
  }

  /** Marks a settle; false when the delivery was already settled or its lease was lost. */
  private take(delivery: MemoryDelivery): boolean {
    if (delivery.settled) return false;
    delivery.settled = true;
    this.inFlight--;
    delivery.consumer.release(delivery);
    return true;
  }

  private moveToDeadLetters(entry: Entry, failure: FailureInfo): void {
    const dead = new Entry(withHeaders(entry.message, failure.headers ?? {}), 1);
    dead.reason = failure.reason;
    this.host.deadLetterQueueOf(this).enqueue(dead);
    this.releaseKey(entry);
    this.drainIfConsumed();
  }

  private drainIfConsumed(): void {
    if (this.ready.length > 0 && this.consumers.length > 0) this.host.requestDrain(this);
  }

  /** Takes the entry's ordering key, or parks the entry behind the current owner. */
  private acquireKey(entry: Entry): boolean {
    const key = entry.message.key;
    if (key === undefined) return true;
    const holder = this.holders.get(key);
    if (holder === undefined) {
      this.holders.set(key, entry);
      return true;
    }
    if (holder === entry) return true;
    let waiting = this.blocked.get(key);
    if (waiting === undefined) {
      waiting = new RingDeque<Entry>(2);
      this.blocked.set(key, waiting);
    }
    waiting.push(entry);
    this.blockedCount++;
    return false;
  }

  /** The entry is done with: its key passes to the next waiting entry, which goes to the front. */
  private releaseKey(entry: Entry): void {
    const key = entry.message.key;
    if (key === undefined || this.holders.get(key) !== entry) return;
    const waiting = this.blocked.get(key);
    const next = waiting?.shift();
    if (next === undefined) {
      this.holders.delete(key);
      return;
    }
    if (waiting!.length === 0) this.blocked.delete(key);
    this.blockedCount--;
    this.holders.set(key, next);
    this.ready.unshift(next);
  }
}
