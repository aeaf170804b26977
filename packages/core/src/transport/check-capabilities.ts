import { InvalidMessageError, UnsupportedFeatureError } from '../errors/index.js';
import type { Capabilities } from './capabilities.js';

/**
 * The one place requests are checked against what a transport declared. Called before any I/O, so
 * an unsupported delay or ordering request fails loudly instead of being silently dropped.
 */
export function checkDelay(capabilities: Capabilities, transport: string, delayMs: number | undefined): void {
  if (delayMs === undefined || delayMs === 0) return;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new InvalidMessageError(
      `delayMs must be a finite number of milliseconds >= 0; got ${String(delayMs)}.`,
    );
  }
  const delay = capabilities.delay;
  if (delay === false) {
    throw new UnsupportedFeatureError(
      'delayed delivery',
      'send without delayMs, or schedule the message in your application.',
      {
        transport,
      },
    );
  }
  if (delayMs > delay.maxMs) {
    throw new UnsupportedFeatureError(
      'delayed delivery',
      `a delay of ${delayMs} ms exceeds the maximum of ${delay.maxMs} ms.`,
      { transport },
    );
  }
}

/** Throws unless the transport can order by key, when ordering by key is asked for. */
export function checkOrdering(
  capabilities: Capabilities,
  transport: string,
  ordering: 'key' | 'none' | undefined,
): void {
  if (ordering === undefined || ordering === 'none') return;
  if (ordering !== 'key') {
    throw new InvalidMessageError(`ordering must be 'key' or 'none'; got ${String(ordering)}.`);
  }
  if (capabilities.ordering !== 'key') {
    throw new UnsupportedFeatureError('ordering by key', 'its capabilities declare ordering: none.', {
      transport,
    });
  }
}
