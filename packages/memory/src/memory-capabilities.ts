import type { Capabilities } from '@omnibus/core';

/** The longest delay (send or retry) the memory broker accepts: about 24.8 days, Node's timer limit. */
export const MAX_DELAY_MS = 2_147_483_647;

/** The memory transport's capabilities: everything native, limited only by `maxMessageBytes`. */
export function memoryCapabilities(maxMessageBytes: number): Capabilities {
  return {
    delay: { maxMs: MAX_DELAY_MS, mode: 'native' },
    ordering: 'key',
    maxMessageBytes,
    maxBatchSize: 10_000,
    deadLetter: 'native',
    rules: 'native',
    retryDelay: { maxMs: MAX_DELAY_MS },
    deadLetterManagement: { count: 'exact', peek: 'browse', redriveToSubscription: true },
  };
}
