import type { Consumer } from '../bus/bus-types.js';
import { ClosedError } from '../errors/index.js';
import type { Logger } from '../logger/logger.js';
import type { MessageInput } from '../message/message.js';
import { checkOrdering } from '../transport/check-capabilities.js';
import type { DeliveryHandler, SourceRef, Transport, TransportSubscription } from '../transport/transport.js';
import type { BatchConsumerOptions } from './batch-handler.js';
import { collectBatches } from './collect-batches.js';
import type { ConsumerOptions } from './consumer-options.js';
import { createDeliveryProcessor } from './create-delivery-processor.js';
import type { Handler } from './handler.js';

/** What a consumer needs from the bus that owns it. */
export interface ConsumerHost {
  readonly transport: Transport;
  readonly logger: Logger;
  /** Wraps a delivery handler with tracing, metrics and lifecycle events (see `telemetry/`). */
  observe(source: SourceRef, onDelivery: DeliveryHandler): DeliveryHandler;
  /** Resolves once the transport is connected; rejects with `ClosedError` after `close()`. */
  ready(): Promise<void>;
  /** Sends/publishes/emits on behalf of a handler, with correlation and causation stamped. */
  send(queue: string, messages: readonly MessageInput[], stamp: Stamp, delayMs?: number): Promise<void>;
  publish(topic: string, messages: readonly MessageInput[], stamp: Stamp): Promise<void>;
  emit(events: readonly MessageInput[], stamp: Stamp): Promise<void>;
  /** Tracks running consumers so `bus.close()` can stop them. */
  track(consumer: Consumer, running: boolean): void;
}

/** Correlation and causation stamped on what a handler sends. */
export interface Stamp {
  readonly correlationId: string;
  readonly causationId: string;
}

// After stop() has waited this long for in-flight handlers, their signals are aborted so that
// cooperative handlers can give up (their messages are then redelivered, never lost).
const ABORT_IN_FLIGHT_AFTER_MS = 10_000;

/**
 * The worker loop shared by every transport: attaches to the source and hands each delivery to the
 * delivery processor (`create-delivery-processor.ts`), which decodes, runs middleware and the
 * handler, and settles. Transports only move and settle deliveries; the policy lives in the processor.
 */
export function createConsumer(
  host: ConsumerHost,
  source: SourceRef,
  handler: Handler,
  options: ConsumerOptions | BatchConsumerOptions = {},
): Consumer {
  // A batch consumer is a per-message consumer whose innermost step waits for its batch.
  const batching = collectBatches(handler, options);
  const processor = createDeliveryProcessor(host, source, batching.handler, batching.options);
  const { settings, origin, abortable } = processor;
  const onDelivery = processor.process;
  const transport = host.transport;
  // Refused when the consumer is created, not at start: a capability gap is a programming error.
  checkOrdering(transport.capabilities, transport.name, settings.ordering);

  let subscription: TransportSubscription | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const consumer: Consumer = {
    get running() {
      return subscription !== undefined;
    },
    start() {
      if (subscription) return Promise.resolve();
      starting ??= (async () => {
        await host.ready();
        subscription = await transport.consume(source, onDelivery, {
          concurrency: settings.concurrency,
          ordering: settings.ordering,
          maxAttempts: settings.deadLetter ? settings.attempts : Number.POSITIVE_INFINITY,
        });
        host.track(consumer, true);
      })().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => {});
        const running = subscription;
        if (!running) return;
        const abortTimer = setTimeout(() => {
          for (const controller of abortable)
            controller.abort(new ClosedError(`Consumer of ${origin} is stopping.`));
        }, ABORT_IN_FLIGHT_AFTER_MS);
        abortTimer.unref();
        try {
          await running.stop();
        } finally {
          clearTimeout(abortTimer);
          subscription = undefined;
          host.track(consumer, false);
        }
      })().finally(() => {
        stopping = undefined;
      });
      return stopping;
    },
  };
  return consumer;
}

/** `queue`, `topic/subscription`, or either followed by `(dead letters)`. */
export { describeSource } from './create-delivery-processor.js';
