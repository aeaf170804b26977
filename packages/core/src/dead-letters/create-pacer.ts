/**
 * Paces work to at most `ratePerSecond` items per second: `await pace(n)` before doing `n` items
 * waits until the schedule allows them. Unpaced (resolves at once) when the rate is undefined.
 */
export function createPacer(
  ratePerSecond: number | undefined,
  signal?: AbortSignal,
): (items: number) => Promise<void> {
  if (ratePerSecond === undefined) return () => Promise.resolve();
  const started = Date.now();
  let scheduled = 0;
  return async (items) => {
    // The first items go at once; each later one waits for its slot on the schedule.
    const due = started + (scheduled / ratePerSecond) * 1000;
    scheduled += items;
    const wait = due - Date.now();
    if (wait <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  };
}
