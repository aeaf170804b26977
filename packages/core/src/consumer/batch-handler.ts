import type { Logger } from '../logger/logger.js';
import type { Message } from '../message/message.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { HandlerContext } from './handler.js';

/** How a batch consumer groups messages. */
export interface BatchOptions {
  /** Most messages in one batch. At least 1. */
  size: number;
  /**
   * Longest wait, from the first message of a batch, for the batch to fill before the handler is
   * called with what has arrived. At least 1.
   */
  waitMs: number;
}

/** Options of a consumer whose handler takes batches. */
export type BatchConsumerOptions = Omit<ConsumerOptions, 'batch' | 'envelope'> & {
  /**
   * Call the handler with up to `size` messages at once. `concurrency` then counts messages in
   * flight (the prefetch) and defaults to twice `size`, so the next batch fills while one is handled.
   */
  batch: BatchOptions;
};

/** One message of a batch that failed, as named by the handler. */
export interface BatchItemFailure {
  /** The id of the failed message. */
  readonly id: string;
  /** Why: decides retry or dead letter as a thrown error would (`PermanentError` dead-letters at once). */
  readonly error?: unknown;
}

/**
 * What a batch handler resolves to when only some messages failed (like a partial batch response):
 * the messages named in `failures` are retried or dead-lettered one by one under the consumer's
 * retry policy; every other message of the batch is acknowledged.
 */
export interface BatchResult {
  readonly failures: readonly BatchItemFailure[];
}

/** What a batch handler can do besides reading its messages. */
export interface BatchContext {
  /** Aborted when the consumer stops or any message of the batch timed out. */
  readonly signal: AbortSignal;
  /** The consumer's logger. */
  readonly logger: Logger;
  /** Where the messages came from: a queue name or `topic/subscription`. */
  readonly origin: string;
  /**
   * The per-message `ctx` of one message of the batch: `send`, `publish` and `emit` on it stamp
   * correlation and causation from that message.
   */
  contextOf(message: Message): HandlerContext;
}

/**
 * Handles a batch. Return nothing to acknowledge every message; throw to fail every message (each
 * is then retried or dead-lettered on its own); or return a `BatchResult` naming the messages
 * that failed. Middleware such as `idempotency()` runs per message, so a duplicate of a handled
 * message never reaches the batch.
 */
export type BatchHandler<T = unknown> = (
  messages: readonly Message<T>[],
  context: BatchContext,
  // A handler declared `async (messages) => { ... }` returns Promise<void>; it must fit.
  // biome-ignore lint/suspicious/noConfusingVoidType: the return type of a callback
) => Promise<BatchResult | undefined | void> | BatchResult | undefined | void;
