/**
 * Bounds how long sends wait for their confirms with one timer for all of them, instead of a timer
 * and a race per send. The timer is armed for the earliest deadline it knows of; when it fires it
 * rejects what has expired and re-arms for the earliest left, and it is cleared once nothing is
 * pending, so an idle transport holds no timer. Deadlines are on the monotonic clock, so a
 * wall-clock jump neither fires them early nor holds them back.
 */
export interface SendDeadlines {
  /**
   * Resolves or rejects as `work` does, or rejects with `expired()` once `timeoutMs` have passed
   * without `work` settling (the work itself is not cancelled).
   */
  bound(work: Promise<void>, timeoutMs: number, expired: () => Error): Promise<void>;
}

interface Pending {
  readonly deadline: number;
  readonly expired: () => Error;
  /** Cleared once the entry is settled either way. */
  reject: ((error: Error) => void) | undefined;
}

export function createSendDeadlines(): SendDeadlines {
  let pending: Pending[] = [];
  let unsettled = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  const arm = (deadline: number) => {
    if (timer !== undefined) clearTimeout(timer);
    armedFor = deadline;
    timer = setTimeout(fire, Math.max(0, deadline - performance.now()));
  };

  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    pending = [];
  };

  const settle = (entry: Pending) => {
    entry.reject = undefined;
    if (--unsettled === 0) disarm();
  };

  // Runs at the earliest deadline: a scan of what is in flight, once per timeout at most.
  const fire = () => {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const left: Pending[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of pending) {
      const reject = entry.reject;
      if (reject === undefined) continue;
      if (entry.deadline <= now) {
        settle(entry);
        reject(entry.expired());
      } else {
        left.push(entry);
        if (entry.deadline < earliest) earliest = entry.deadline;
      }
    }
    if (unsettled === 0) return;
    pending = left;
    arm(earliest);
  };

  return {
    bound(work, timeoutMs, expired) {
      return new Promise<void>((resolve, reject) => {
        const entry: Pending = { deadline: performance.now() + timeoutMs, expired, reject };
        pending.push(entry);
        unsettled++;
        if (entry.deadline < armedFor) arm(entry.deadline);
        work.then(
          () => {
            if (entry.reject === undefined) return;
            settle(entry);
            resolve();
          },
          (error: unknown) => {
            const rejectWork = entry.reject;
            if (rejectWork === undefined) return;
            settle(entry);
            rejectWork(error as Error);
          },
        );
      });
    },
  };
}
