import type { BackoffOptions } from './consumer-options.js';

/** Backoff settings with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>;

export const defaultBackoff: ResolvedBackoff = { initialMs: 200, maxMs: 60_000, factor: 2, jitter: true };

/**
 * The delay before the retry that follows failed attempt `attempt` (1-based): exponential from
 * `initialMs`, capped at `maxMs`. With jitter the delay is drawn between half and all of it, which
 * spreads a burst of failures out while keeping a floor so retries never hammer a struggling
 * dependency immediately.
 */
export function backoffDelay(
  backoff: ResolvedBackoff,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponential = backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(backoff.maxMs, exponential);
  if (!backoff.jitter) return Math.round(capped);
  return Math.round(capped / 2 + random() * (capped / 2));
}
