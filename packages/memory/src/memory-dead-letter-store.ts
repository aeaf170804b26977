import type { DeadLetterParent, DeadLetterStore, LeasedDeadLetter } from '@omnibus/core/transport';
import type { Broker, Provision } from './memory-broker.js';
import type { Entry, MemoryQueue } from './memory-queue.js';

/** The memory broker's dead-letter management, plus a way to give back every lease on close. */
export interface MemoryDeadLetterStore extends DeadLetterStore {
  /** Releases every lease still open, as a lost connection would. */
  releaseAll(): void;
}

/**
 * Dead-letter management on the memory broker: counts are exact, peeking browses, and a lease
 * takes entries out of the dead-letter queue until removed, released, expired or the transport closes.
 */
export function createMemoryDeadLetterStore(
  broker: Broker,
  provision: Provision,
  ensureOpen: () => void,
): MemoryDeadLetterStore {
  const open = new Set<() => void>();
  const queueOf = (of: DeadLetterParent): MemoryQueue => {
    ensureOpen();
    return broker.deadLetterQueueOf(broker.sourceFor(of, provision));
  };

  return {
    async count(of) {
      const queue = queueOf(of);
      return queue.ready.length + queue.inFlight + queue.delayed;
    },
    async peek(of, options) {
      return queueOf(of)
        .waiting()
        .slice(0, options.limit)
        .map((entry) => ({ message: entry.message }));
    },
    async receive(of, options) {
      const queue = queueOf(of);
      return queue.lease(options.limit).map((entry) => leased(queue, entry, options.leaseMs));
    },
    async sendToSubscription(of, messages) {
      ensureOpen();
      broker.store(broker.sourceFor(of, provision), messages, undefined);
    },
    releaseAll() {
      for (const release of [...open]) release();
    },
  };

  function leased(queue: MemoryQueue, entry: Entry, leaseMs: number): LeasedDeadLetter {
    let settled = false;
    const settle = (keep: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      open.delete(giveBack);
      if (keep) queue.returnLease(entry);
      else queue.dropLease();
    };
    const giveBack = () => settle(true);
    const timer = setTimeout(giveBack, leaseMs);
    timer.unref();
    open.add(giveBack);
    return {
      message: entry.message,
      async remove() {
        if (settled) throw new Error('The lease of this dead letter already ended.');
        settle(false);
      },
      async release() {
        settle(true);
      },
    };
  }
}
