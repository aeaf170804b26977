import { type Clock, systemClock, type TimerHandle } from './clock.js';
import type { Entry, HoldKind, MemoryQueue } from './memory-queue.js';
import { MinHeap } from './min-heap.js';

class Held {
  constructor(
    readonly dueAt: number,
    readonly sequence: number,
    readonly queue: MemoryQueue,
    readonly entry: Entry,
    readonly kind: HoldKind,
  ) {}
}

/**
 * Every delayed message and expiring lease of a broker, in one heap behind one clock timer: a
 * hundred thousand delayed messages cost one timer, not a hundred thousand.
 */
export class BrokerTimers {
  private readonly heap = new MinHeap<Held>(
    (a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.sequence < b.sequence),
  );
  private sequence = 0;
  private timer: TimerHandle | undefined = undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private consumers = 0;
  private keepAlive: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(private readonly clock: Clock) {}

  /** Keeps `entry` from `queue` until `dueAt`, then hands it back with `queue.release`. */
  hold(queue: MemoryQueue, entry: Entry, dueAt: number, kind: HoldKind): void {
    this.heap.push(new Held(dueAt, this.sequence++, queue, entry, kind));
    if (dueAt < this.armedFor) this.arm();
  }

  /** Whether something is due now and not yet handed back (its timer is about to fire). */
  hasDue(): boolean {
    const next = this.heap.peek();
    return next !== undefined && next.dueAt <= this.clock.now();
  }

  /** Tracks attached consumers: timers keep the process alive only while someone waits for them. */
  consumersChanged(delta: number): void {
    this.consumers += delta;
    this.refreshKeepAlive();
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    const next = this.heap.peek();
    if (next === undefined) {
      this.timer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
    } else {
      this.armedFor = next.dueAt;
      this.timer = this.clock.setTimer(this.fire, next.dueAt - this.clock.now());
    }
    this.refreshKeepAlive();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    // A timer may fire early (Node clamps long timers); whatever is not yet due is simply re-armed.
    for (let next = this.heap.peek(); next !== undefined && next.dueAt <= now; next = this.heap.peek()) {
      this.heap.pop();
      next.queue.release(next.entry, next.kind);
    }
    this.arm();
  };

  private refreshKeepAlive(): void {
    // Only real timers can hold a process open; a virtual clock's never fire by themselves.
    const wanted = this.clock === systemClock && this.consumers > 0 && this.heap.size > 0;
    if (wanted && this.keepAlive === undefined) {
      this.keepAlive = setInterval(() => {}, 1 << 30);
    } else if (!wanted && this.keepAlive !== undefined) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }
}
