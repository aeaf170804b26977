/**
 * The emulator's notion of time. Every lock, schedule, time-to-live, duplicate-detection window and
 * session lock reads `now()` and waits with `setTimer()`, so tests can swap in a
 * {@link createManualClock | manual clock} and move time forward instead of sleeping.
 */
export interface EmulatorClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Calls `callback` once `delayMs` of this clock's time has passed.
   * The returned handle's `cancel()` is idempotent.
   */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/** A pending {@link EmulatorClock.setTimer} call. */
export interface TimerHandle {
  cancel(): void;
}

/** A clock that only moves when told to. Timers fire, in due order, inside `advance`/`set`. */
export interface ManualClock extends EmulatorClock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void;
  /** Jumps to an absolute time (never backwards), firing due timers. */
  set(epochMs: number): void;
}

// Node fires a timer longer than 2^31 - 1 ms at once; longer waits are chained in steps of that.
const MAX_TIMER_MS = 2_147_483_647;

/** Wall-clock time with Node timers (unref'd: a pending lock expiry never keeps a process alive). */
export const systemClock: EmulatorClock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const dueAt = Date.now() + Math.max(0, delayMs);
    let timer: NodeJS.Timeout;
    const arm = () => {
      const remaining = dueAt - Date.now();
      timer = setTimeout(
        remaining > MAX_TIMER_MS ? arm : callback,
        Math.min(Math.max(0, remaining), MAX_TIMER_MS),
      );
      timer.unref();
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  },
};

interface ManualTimer {
  dueAt: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * Creates a {@link ManualClock} starting at `startAt` (default: the current wall-clock time, so
 * timestamps the SDK shows still look plausible).
 */
export function createManualClock(startAt: number = Date.now()): ManualClock {
  let current = startAt;
  let created = 0;
  let timers: ManualTimer[] = [];

  const fireDueTimers = (target: number) => {
    for (;;) {
      timers = timers.filter((timer) => !timer.cancelled);
      let next: ManualTimer | undefined;
      for (const timer of timers) {
        if (
          timer.dueAt <= target &&
          (!next || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.order < next.order))
        ) {
          next = timer;
        }
      }
      if (!next) break;
      next.cancelled = true;
      current = Math.max(current, next.dueAt);
      next.callback();
    }
    current = Math.max(current, target);
  };

  return {
    now: () => current,
    setTimer(callback, delayMs) {
      const timer: ManualTimer = {
        dueAt: current + Math.max(0, delayMs),
        order: created++,
        callback,
        cancelled: false,
      };
      timers.push(timer);
      return {
        cancel: () => {
          timer.cancelled = true;
        },
      };
    },
    advance(ms) {
      fireDueTimers(current + ms);
    },
    set(epochMs) {
      fireDueTimers(epochMs);
    },
  };
}
