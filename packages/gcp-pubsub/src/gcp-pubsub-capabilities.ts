import type { Capabilities } from '@omnibus/core';

/** The longest ack deadline Pub/Sub accepts, which bounds a retry delay done with modifyAckDeadline. */
export const MAX_ACK_DEADLINE_SECONDS = 600;

/**
 * What Pub/Sub does natively. Delayed send is absent (Pub/Sub has no scheduled delivery);
 * retries can wait up to the 600 s ack-deadline ceiling; dead letters use the subscription's
 * dead-letter policy plus a client-side publish for failures core decides on; rules are a
 * coarse attribute filter plus the exact check in the transport.
 */
export const gcpPubSubCapabilities: Capabilities = {
  delay: false,
  ordering: 'key',
  // 10 MB per message (data + attributes + ordering key), Pub/Sub's documented limit.
  maxMessageBytes: 10_000_000,
  // A publish request carries at most 1,000 messages.
  maxBatchSize: 1_000,
  deadLetter: 'native',
  rules: 'partial',
  retryDelay: { maxMs: MAX_ACK_DEADLINE_SECONDS * 1_000 },
  // No count and no browse: a count leases every dead letter and gives it back, a peek hides what
  // it shows for a moment; Pub/Sub cannot deliver to one subscription of a topic alone.
  deadLetterManagement: { count: 'scan', peek: 'lock', redriveToSubscription: false },
};
