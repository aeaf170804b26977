import type { Capabilities } from '@omnibus/core';
import { MAX_DELAY_MS } from './delay-buckets.js';

/**
 * What this transport does, honestly:
 * - delays are emulated with per-bucket TTL queues that dead-letter back to the source queue, so a
 *   delay is rounded up to the next bucket (never delivered early) and is at most 24 hours;
 * - dead letters are explicit confirmed publishes to `<queue>.dlq` (core adds the failure headers);
 * - rules bind a headers-exchange pre-filter on `type`/`source` and run the exact pattern check in
 *   the transport before forwarding, so targets see exactly the matching events;
 * - ordering is by queue (hence by key) only with single-active-consumer queues;
 * - dead letters are counted exactly (ready messages of `<queue>.dlq`); RabbitMQ has no browse, so a
 *   peek takes messages and requeues them at once (`peek: 'lock'`).
 */
export function rabbitMqCapabilities(ordering: 'none' | 'single-active-consumer'): Capabilities {
  return {
    delay: { maxMs: MAX_DELAY_MS, mode: 'emulated' },
    ordering: ordering === 'single-active-consumer' ? 'key' : 'none',
    // RabbitMQ's default max_message_size is 128 MiB; 16 MiB keeps the broker's memory sane and is
    // far above what a message should carry.
    maxMessageBytes: 16 * 1024 * 1024,
    // A batch is pipelined on one channel and confirmed together: one round trip for any size.
    maxBatchSize: 1_000,
    deadLetter: 'emulated',
    rules: 'partial',
    retryDelay: { maxMs: MAX_DELAY_MS },
    deadLetterManagement: { count: 'exact', peek: 'lock', redriveToSubscription: true },
  };
}
