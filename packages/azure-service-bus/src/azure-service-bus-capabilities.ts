import type { Capabilities } from '@omnibus/core';

/**
 * The largest message the transport accepts, encoded (body plus attribute names and values):
 * Service Bus standard tier allows 256 KB per message including its AMQP framing, and the
 * application properties cost a few bytes each beyond their text, so this leaves 6 KB for that.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024 - 6 * 1024;

/**
 * What Service Bus does natively. Delays: `scheduledEnqueueTimeUtc` has no practical upper bound
 * (one year is declared); retries later than now are scheduled copies on queues and held locks on
 * subscriptions. Ordering by key uses sessions. Dead letters go to the native `$deadletterqueue`, which is browsed, leased and counted natively.
 * Rules are correlation filters with `ForwardTo` where they express the pattern exactly, else a
 * pre-filter plus the exact check in the transport, hence `'partial'`.
 */
export const azureServiceBusCapabilities: Capabilities = {
  delay: { maxMs: 365 * 24 * 3_600_000, mode: 'native' },
  ordering: 'key',
  maxMessageBytes: MAX_MESSAGE_BYTES,
  // Messages of one send go out in as many SDK batches (256 KB each) as they need.
  maxBatchSize: 500,
  deadLetter: 'native',
  rules: 'partial',
  retryDelay: { maxMs: 365 * 24 * 3_600_000 },
  // The `$DeadLetterQueue` sub-queue is browsed natively (a count browses it all, exact at that
  // moment); Service Bus cannot deliver to one subscription of a topic alone.
  deadLetterManagement: { count: 'exact', peek: 'browse', redriveToSubscription: false },
};
