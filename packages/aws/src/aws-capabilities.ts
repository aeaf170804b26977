import type { Capabilities } from '@omnibus/core';

/** SQS per-message `DelaySeconds` goes up to 15 minutes; longer delays are refused, not chained. */
export const MAX_DELAY_MS = 15 * 60_000;
/** `ChangeMessageVisibility` goes up to 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** SNS and EventBridge accept 256 KiB per message; SQS 1 MiB. The smallest wins. */
export const AWS_MESSAGE_LIMIT_BYTES = 262_144;
/**
 * Room kept for the wire form of the envelope (attribute type names, the JSON packing of the
 * envelope attributes, the event wrapping on EventBridge), so anything core lets through fits.
 */
const ENVELOPE_HEADROOM_BYTES = 16_384;

export const awsCapabilities: Capabilities = {
  delay: { maxMs: MAX_DELAY_MS, mode: 'native' },
  ordering: 'key',
  maxMessageBytes: AWS_MESSAGE_LIMIT_BYTES - ENVELOPE_HEADROOM_BYTES,
  maxBatchSize: 10,
  deadLetter: 'native',
  rules: 'native',
  retryDelay: { maxMs: MAX_VISIBILITY_SECONDS * 1000 },
  // SQS only estimates queue depth and cannot show a message without hiding it for a moment.
  deadLetterManagement: { count: 'approximate', peek: 'lock', redriveToSubscription: true },
};
