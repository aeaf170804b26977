import {
  DecodeError,
  DuplicateInProgressError,
  IdempotencyConflictError,
  PermanentError,
} from '../errors/index.js';
import { redactSecrets } from '../config/redact.js';
import { decodeEnvelope } from '../message/envelope/decode-envelope.js';
import { FailureHeader } from '../message/failure-headers.js';
import type { Message } from '../message/message.js';
import type { Delivery, SourceRef } from '../transport/transport.js';
import { backoffDelay } from './backoff.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { ConsumerHost } from './create-consumer.js';
import { DeliveryContext } from './delivery-context.js';
import type { Handler, HandlerContext, Middleware } from './handler.js';
import { toError } from './to-error.js';
import { type ResolvedConsumerOptions, validateConsumerOptions } from './validate-consumer-options.js';
import { noteFailure } from '../telemetry/bus-observer.js';

/**
 * The runtime that handles one delivery: decode, middleware and handler, then exactly one settle
 * (ack, retry with backoff, or dead-letter with the failure headers). The worker loop of
 * `createConsumer` and every function entry point (`bus.handleDelivery`) run deliveries through
 * this one processor, so a handler cannot tell whether it runs in a long-lived process or in a
 * function invocation.
 */
export interface DeliveryProcessor {
  /** The validated options (attempts, backoff, concurrency…) the processor applies. */
  readonly settings: ResolvedConsumerOptions;
  /** `queue`, `topic/subscription`, or either followed by `(dead letters)`. */
  readonly origin: string;
  /** Signal controllers of handlers now running, aborted by a consumer whose stop waits too long. */
  readonly abortable: Set<AbortController>;
  /** Handles one delivery and settles it through its own methods. Never rejects. */
  process(delivery: Delivery): Promise<void>;
}

/** Builds the processor of one consumer definition on one host (a bus). Validates the options now. */
export function createDeliveryProcessor(
  host: ConsumerHost,
  source: SourceRef,
  handler: Handler,
  options: ConsumerOptions = {},
): DeliveryProcessor {
  const settings = validateConsumerOptions(options);
  const origin = describeSource(source);
  const chain = composeMiddleware(settings.middleware, handler);
  const capabilities = host.transport.capabilities;
  const retryDelayCap = capabilities.retryDelay === false ? 0 : capabilities.retryDelay.maxMs;
  const abortable = new Set<AbortController>();

  async function process(delivery: Delivery): Promise<void> {
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
      // A send the handler started but did not await must be confirmed before the message is
      // acknowledged: in a function, the platform may freeze the process as soon as it returns.
      await context.settled();
    } catch (thrown) {
      if (timer) clearTimeout(timer);
      context.release();
      await settle(delivery, () => onFailure(delivery, message, noteFailure(toError(thrown))));
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

  return { settings, origin, abortable, process: host.observe(source, process) };
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

// The text of the dead-letter header and of log lines: whatever a handler or a client library put
// into an error message (a connection URL, a connection string), no secret leaves the process.
function describeError(error: Error): string {
  return redactSecrets(`${error.name}: ${error.message}`);
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
