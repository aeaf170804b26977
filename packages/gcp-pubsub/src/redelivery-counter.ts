/** Most message ids a counter remembers; the oldest is forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * Counts deliveries of the same message where Pub/Sub does not: `deliveryAttempt` is only set on
 * subscriptions with a dead-letter policy (and the emulator leaves it out of push requests). The
 * count is what this process saw, so it restarts at 1 in another process; Pub/Sub's own count,
 * when present, always wins.
 */
export function createRedeliveryCounter() {
  const seen = new Map<string, number>();
  return {
    /** The attempt of this delivery of `id`: `deliveryAttempt` when Pub/Sub set it, else the count seen here. */
    attempt(id: string, deliveryAttempt: number | null | undefined): number {
      if (typeof deliveryAttempt === 'number' && deliveryAttempt > 0) return deliveryAttempt;
      const count = (seen.get(id) ?? 0) + 1;
      seen.delete(id);
      seen.set(id, count);
      if (seen.size > MAX_REMEMBERED) seen.delete(seen.keys().next().value as string);
      return count;
    },
    /** The message is gone (acked or dead-lettered): stop counting it. */
    forget(id: string): void {
      seen.delete(id);
    },
  };
}
