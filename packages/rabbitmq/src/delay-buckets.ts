/**
 * Delays are carried by one TTL queue per bucket. Roughly ten buckets per decade (each at most a
 * third above the previous one) keep the number of queues small while a delay is never rounded up
 * by more than a third. Rounding is always up: a message is never delivered early.
 */
const STEPS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
const BUCKETS: readonly number[] = (() => {
  const buckets: number[] = [];
  for (let scale = 10; scale <= 10_000_000; scale *= 10) {
    for (const step of STEPS) buckets.push(Math.round(step * scale));
  }
  buckets.push(86_400_000);
  return buckets;
})();

/** The longest delay (a day). */
export const MAX_DELAY_MS = 86_400_000;

/** The bucket a delay goes to: the smallest bucket >= `delayMs` (and >= 10 ms). */
export function delayBucket(delayMs: number): number {
  for (const bucket of BUCKETS) if (bucket >= delayMs) return bucket;
  return MAX_DELAY_MS;
}
