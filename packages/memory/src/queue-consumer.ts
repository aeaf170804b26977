import type {
  Delivery,
  DeliveryHandler,
  EncodedMessage,
  FailureInfo,
  TransportSubscription,
} from '@omnibus/core/transport';
import type { Entry, MemoryQueue } from './memory-queue.js';

const settledPromise: Promise<void> = Promise.resolve();

/**
 * One delivery of one entry. Settling is synchronous inside the broker, so each settle method
 * returns an already-resolved promise: nothing is allocated per ack beyond this object.
 */
export class MemoryDelivery implements Delivery {
  readonly message: EncodedMessage;
  readonly attempt: number;
  /** Settled, or given up when its consumer was lost: later settles are ignored. */
  settled = false;
  // Intrusive list of the consumer's unsettled deliveries: O(1) add and remove, no hashing.
  previous: MemoryDelivery | undefined = undefined;
  next: MemoryDelivery | undefined = undefined;

  constructor(
    readonly entry: Entry,
    readonly consumer: QueueConsumer,
  ) {
    this.message = entry.message;
    this.attempt = entry.attempt;
  }

  /** The broker's stored entry (for debugging; its shape is not part of the API). */
  get raw(): unknown {
    return this.entry;
  }

  ack(): Promise<void> {
    this.consumer.queue.ack(this);
    return settledPromise;
  }

  retry(delayMs: number): Promise<void> {
    this.consumer.queue.retry(this, delayMs);
    return settledPromise;
  }

  deadLetter(failure: FailureInfo): Promise<void> {
    try {
      this.consumer.queue.deadLetter(this, failure);
      return settledPromise;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * A consumer attached to one queue: hands it at most `concurrency` unsettled deliveries and
 * implements `stop()` (stop taking work, wait for what is out, detach).
 */
export class QueueConsumer implements TransportSubscription {
  /** Deliveries handed out and not settled. */
  inFlight = 0;
  /** Called once, when the consumer has fully stopped (drained or lost). */
  onStopped: ((consumer: QueueConsumer) => void) | undefined = undefined;

  private first: MemoryDelivery | undefined = undefined;
  private state: 'active' | 'stopping' | 'stopped' = 'active';
  private stopped: Promise<void> | undefined = undefined;
  private resolveStopped: (() => void) | undefined = undefined;

  constructor(
    readonly queue: MemoryQueue,
    private readonly handler: DeliveryHandler,
    readonly concurrency: number,
    readonly visibilityTimeoutMs: number,
    /** A delivery abandoned on this attempt or later is dead-lettered when its lease runs out. */
    readonly maxAttempts: number,
  ) {}

  get active(): boolean {
    return this.state === 'active';
  }

  /** Called by the queue with an entry it has counted as in flight. */
  deliver(entry: Entry): void {
    const delivery = new MemoryDelivery(entry, this);
    const first = this.first;
    if (first !== undefined) {
      first.previous = delivery;
      delivery.next = first;
    }
    this.first = delivery;
    this.inFlight++;
    try {
      void this.handler(delivery);
    } catch {
      // The SPI says handlers never throw; one that does is treated like a crashed process:
      // the message comes back after the visibility timeout.
      this.queue.abandon(delivery);
    }
  }

  /** Unlinks a settled (or abandoned) delivery. */
  release(delivery: MemoryDelivery): void {
    const { previous, next } = delivery;
    if (previous === undefined) this.first = next;
    else previous.next = next;
    if (next !== undefined) next.previous = previous;
    delivery.previous = delivery.next = undefined;
    this.inFlight--;
    if (this.state === 'stopping' && this.inFlight === 0) this.finish();
  }

  stop(): Promise<void> {
    if (this.state === 'active') {
      this.state = 'stopping';
      this.queue.detach(this);
      if (this.inFlight === 0) this.finish();
    }
    if (this.state === 'stopped') return settledPromise;
    this.stopped ??= new Promise<void>((resolve) => {
      this.resolveStopped = resolve;
    });
    return this.stopped;
  }

  /**
   * Detaches at once, as if the consumer's process died: its unsettled deliveries stay in flight
   * until their lease runs out and then come back with attempt + 1; their settles are ignored.
   */
  crash(): void {
    if (this.state === 'stopped') return;
    if (this.state === 'active') this.queue.detach(this);
    this.state = 'stopping';
    while (this.first !== undefined) this.queue.abandon(this.first);
    if (this.state === 'stopping') this.finish();
  }

  private finish(): void {
    this.state = 'stopped';
    this.resolveStopped?.();
    this.onStopped?.(this);
  }
}
