import type { Consumer } from '../bus/bus-types.js';
import {
  ClosedError,
  DecodeError,
  DuplicateInProgressError,
  IdempotencyConflictError,
  PermanentError,
} from '../errors/index.js';
import type { Logger } from '../logger/logger.js';
import { decodeEnvelope } from '../message/envelope/decode-envelope.js';
import { FailureHeader } from '../message/failure-headers.js';
import type { Message, MessageInput } from '../message/message.js';
import { checkOrdering } from '../transport/check-capabilities.js';
import type { Delivery, SourceRef, Transport, TransportSubscription } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { Handler, HandlerContext, Middleware } from './handler.js';
import { toError } from './to-error.js';
import { validateConsumerOptions } from './validate-consumer-options.js';
import { DeliveryContext } from './delivery-context.js';

/** What a consumer needs from the bus that owns it. */
export interface ConsumerHost {
  readonly transport: Transport;
  readonly logger: Logger;
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
 * The consumer runtime shared by every transport: decodes each delivery, runs middleware and the
 * handler, and settles — ack on success, retry with backoff, or dead-letter with the failure
 * headers. Transports only move and settle deliveries; this is where the policy lives.
 */
export function createConsumer(
  host: ConsumerHost,
  source: SourceRef,
  handler: Handler,
  options: ConsumerOptions = {},
): Consumer {
  const settings = validateConsumerOptions(options);
  const origin = describeSource(source);
  const chain = composeMiddleware(settings.middleware, handler as Handler);
  const transport = host.transport;
  // Refused when the consumer is created, not at start: a capability gap is a programming error.
  checkOrdering(transport.capabilities, transport.name, settings.ordering);
  const retryDelayCap =
    transport.capabilities.retryDelay === false ? 0 : transport.capabilities.retryDelay.maxMs;
  const abortable = new Set<AbortController>();

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

  async function onDelivery(delivery: Delivery): Promise<void> {
    let message: Message;
    try {
      message = decodeEnvelope(delivery.message, delivery.attempt, settings.envelope);
    } catch (error) {
      await settle(delivery, () => deadLetter(delivery, toError(error)));
      return;
    }
    const context = new DeliveryContext(host, message, origin, abortable);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (settings.handlerTimeoutMs === undefined) {
        await chain(message, context);
      } else {
        await Promise.race([
          chain(message, context),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              const error = new Error(
                `Handler for ${message.type} on ${origin} timed out after ${settings.handlerTimeoutMs} ms.`,
              );
              error.name = 'HandlerTimeoutError';
              context.abort(error);
              reject(error);
            }, settings.handlerTimeoutMs);
          }),
        ]);
      }
    } catch (thrown) {
      if (timer) clearTimeout(timer);
      context.release();
      await settle(delivery, () => onFailure(delivery, message, toError(thrown)));
      return;
    }
    if (timer) clearTimeout(timer);
    context.release();
    try {
      await delivery.ack();
    } catch (error) {
      reportSettleFailure(delivery, error);
    }
  }

  function onFailure(delivery: Delivery, message: Message, error: Error): Promise<void> {
    const attempt = delivery.attempt;
    if (DuplicateInProgressError.isInstance(error)) {
      // Not a failure of this message: its twin is still running. Look again after the usual
      // backoff, or when the twin's lease runs out if that is sooner; never dead-letter a message
      // whose twin may yet fail and need this copy.
      const untilLeaseEnds = error.lockedUntil - Date.now();
      const wait = Math.max(50, Math.min(backoffDelay(settings.backoff, attempt), untilLeaseEnds));
      return delivery.retry(Math.min(wait, retryDelayCap));
    }
    const permanent =
      isPermanent(error) || (settings.shouldRetry !== undefined && !settings.shouldRetry(error, attempt));
    if (permanent || attempt >= settings.attempts) {
      if (settings.deadLetter) return deadLetter(delivery, error, message.id);
      host.logger.error(
        `Message ${message.id} failed ${attempt} times on ${origin}; dead-lettering is off, retrying.`,
        {
          error: describeError(error),
        },
      );
      return delivery.retry(Math.min(settings.backoff.maxMs, retryDelayCap));
    }
    host.logger.debug(`Message ${message.id} failed on ${origin} (attempt ${attempt}); retrying.`, {
      error: describeError(error),
    });
    return delivery.retry(Math.min(backoffDelay(settings.backoff, attempt), retryDelayCap));
  }

  function deadLetter(delivery: Delivery, error: Error, id = delivery.message.id): Promise<void> {
    const reason = describeError(error);
    host.logger.warn(`Dead-lettering message ${id} from ${origin}: ${reason}`);
    return delivery.deadLetter({
      reason,
      headers: {
        [FailureHeader.error]: reason,
        [FailureHeader.failedQueue]: origin,
        [FailureHeader.failedAt]: new Date().toISOString(),
        [FailureHeader.attempts]: String(delivery.attempt),
      },
    });
  }

  async function settle(delivery: Delivery, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      reportSettleFailure(delivery, error);
    }
  }

  // The broker did not record the outcome. The message is still on the broker and comes back when
  // its lease runs out, so nothing is lost; say so loudly.
  function reportSettleFailure(delivery: Delivery, error: unknown): void {
    host.logger.error(
      `Could not settle message ${delivery.message.id} on ${origin}; it will be redelivered.`,
      {
        error: describeError(toError(error)),
      },
    );
  }
}

/** `queue`, `topic/subscription`, or either followed by `(dead letters)`. */
export function describeSource(source: SourceRef): string {
  switch (source.kind) {
    case 'queue':
      return source.queue;
    case 'subscription':
      return `${source.topic}/${source.subscription}`;
    case 'dead-letter':
      return `${describeSource(source.of)} (dead letters)`;
  }
}

function isPermanent(error: Error): boolean {
  return (
    PermanentError.isInstance(error) ||
    DecodeError.isInstance(error) ||
    IdempotencyConflictError.isInstance(error)
  );
}

function describeError(error: Error): string {
  return `${error.name}: ${error.message}`;
}

function composeMiddleware(
  middleware: readonly Middleware[],
  handler: Handler,
): (message: Message, context: HandlerContext) => unknown {
  // Without middleware the handler is called directly (the caller awaits inside try/catch, so a
  // synchronous throw is still caught); middleware gets an async innermost layer so that `next()`
  // always returns a promise.
  if (middleware.length === 0) return handler;
  let next = async (message: Message, context: HandlerContext) => handler(message, context);
  for (let index = middleware.length - 1; index >= 0; index--) {
    const layer = middleware[index]!;
    const inner = next;
    next = (message, context) => layer(message, context, () => inner(message, context));
  }
  return next;
}
