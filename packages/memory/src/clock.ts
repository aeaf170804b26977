import { ConfigurationError } from '@omnibus/core';
import { MinHeap } from './min-heap.js';

/** An opaque handle returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/**
 * The time source of a memory broker: delays, retry backoff and lease expiry all read it. Inject a
 * virtual clock in tests to advance time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now (0 or less: as soon as possible). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer that has not fired yet. Cancelling a fired or unknown timer does nothing. */
  clearTimer(handle: TimerHandle): void;
}

// Node's timers overflow past 2^31 - 1 ms and then fire at once; longer waits are re-armed by the caller.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Wall-clock time and Node timers. Its timers do not keep the process alive on their own: the
 * broker holds the process open only while a consumer is waiting for a delayed message.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    timer.unref();
    return timer;
  },
  clearTimer(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** A clock that only moves when told to. */
export interface VirtualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in time order, each
   * with `now()` at its due time. Timers set by those callbacks fire too if they fall due in the window.
   * Deliveries that result are dispatched asynchronously: `await broker.waitForIdle()` afterwards.
   */
  advance(ms: number): void;
  /** Moves time forward to `time` (milliseconds since the epoch); never backwards. */
  advanceTo(time: number): void;
  /** Advances to the last pending timer, firing everything on the way. Returns how far time moved. */
  runAll(): number;
  /** Timers set and not yet fired or cleared. */
  readonly pendingTimers: number;
}

export interface VirtualClockOptions {
  /**
   * The starting time, in milliseconds since the epoch or as a Date.
   * @default Date.UTC(2025, 0, 1)
   */
  start?: number | Date;
}

interface VirtualTimer {
  readonly at: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Creates a clock for tests: time stands still until `advance` moves it. */
export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  const start =
    options.start instanceof Date ? options.start.getTime() : (options.start ?? Date.UTC(2025, 0, 1));
  if (!Number.isFinite(start))
    throw new ConfigurationError(
      `createVirtualClock: start must be a finite time; got ${String(options.start)}.`,
    );
  let current = start;
  let sequence = 0;
  let pending = 0;
  const timers = new MinHeap<VirtualTimer>(
    (a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence),
  );

  const advanceTo = (target: number): void => {
    if (!Number.isFinite(target))
      throw new ConfigurationError(`VirtualClock: cannot advance to ${String(target)}.`);
    for (;;) {
      const next = timers.peek();
      if (next === undefined || next.at > target) break;
      timers.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      pending--;
      if (next.at > current) current = next.at;
      next.callback();
    }
    if (target > current) current = target;
  };

  return {
    now: () => current,
    setTimer(callback, delayMs) {
      const timer: VirtualTimer = {
        at: current + Math.max(0, delayMs),
        sequence: sequence++,
        callback,
        cancelled: false,
      };
      timers.push(timer);
      pending++;
      return timer;
    },
    clearTimer(handle) {
      const timer = handle as VirtualTimer | undefined;
      if (timer && !timer.cancelled) {
        timer.cancelled = true;
        pending--;
      }
    },
    advance(ms) {
      if (typeof ms !== 'number' || !(ms >= 0))
        throw new ConfigurationError(`VirtualClock.advance needs ms >= 0; got ${String(ms)}.`);
      advanceTo(current + ms);
    },
    advanceTo,
    runAll() {
      const from = current;
      let last = current;
      for (const timer of timers.values()) if (!timer.cancelled && timer.at > last) last = timer.at;
      advanceTo(last);
      // Callbacks may have set later timers; keep going until none is left (or they never stop).
      for (let rounds = 0; pending > 0; rounds++) {
        if (rounds === 100_000)
          throw new Error('VirtualClock.runAll: timers keep setting new timers; use advance(ms) instead.');
        let next = current;
        for (const timer of timers.values()) if (!timer.cancelled && timer.at > next) next = timer.at;
        advanceTo(next);
      }
      return current - from;
    },
    get pendingTimers() {
      return pending;
    },
  };
}
