import type { MemoryQueue } from './memory-queue.js';

// Deliveries handed out per macrotask before the scheduler yields to the event loop. Dispatching in
// microtasks keeps latency low and throughput high; yielding every few thousand deliveries keeps
// timers and I/O (a health check, a real broker in the same process) from starving.
const DELIVERIES_PER_TURN = 4096;

/**
 * Batches queue drains: any number of sends and settles in one turn cost one drain per queue.
 * Also paces producers: while dispatch waits for the event loop, `pace()` makes senders wait too,
 * so a producer looping on `await send()` cannot run arbitrarily far ahead of its consumers.
 */
export class DispatchScheduler {
  private pending: MemoryQueue[] = [];
  private scheduled = false;
  private yielding = false;
  private dispatchedThisTurn = 0;
  private paced: Promise<void> | undefined = undefined;
  private resumePaced: (() => void) | undefined = undefined;

  request(queue: MemoryQueue): void {
    if (queue.drainRequested) return;
    queue.drainRequested = true;
    this.pending.push(queue);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.dispatchedThisTurn < DELIVERIES_PER_TURN) {
      queueMicrotask(this.run);
    } else {
      this.yielding = true;
      setImmediate(this.runAfterYield);
    }
  }

  /** Whether a drain is pending. */
  get busy(): boolean {
    return this.scheduled;
  }

  /** A promise to wait on before confirming a send, when dispatch is yielding; otherwise undefined. */
  pace(): Promise<void> | undefined {
    if (!this.yielding) return undefined;
    this.paced ??= new Promise<void>((resolve) => {
      this.resumePaced = resolve;
    });
    return this.paced;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const queues = this.pending;
    this.pending = [];
    let dispatched = 0;
    for (const queue of queues) {
      queue.drainRequested = false;
      dispatched += queue.drain();
    }
    if (dispatched > 0) {
      if (this.dispatchedThisTurn === 0) setImmediate(this.endTurn);
      this.dispatchedThisTurn += dispatched;
    }
  };

  private readonly runAfterYield = (): void => {
    this.yielding = false;
    this.dispatchedThisTurn = 0;
    this.run();
    const resume = this.resumePaced;
    this.paced = this.resumePaced = undefined;
    resume?.();
  };

  private readonly endTurn = (): void => {
    this.dispatchedThisTurn = 0;
  };
}
