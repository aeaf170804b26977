import type { Logger } from '../logger/logger.js';
import type { RawMessage } from '../message/envelope/envelope-mode.js';
import type { Message, MessageInput } from '../message/message.js';

/**
 * Handles one message. Return (or resolve) to acknowledge it; throw to have it retried, or throw
 * `PermanentError` to dead-letter it at once.
 */
export type Handler<T = unknown> = (
  message: Message<T>,
  context: HandlerContext,
) => Promise<unknown> | unknown;

/**
 * Handles one message of a consumer with `envelope: 'raw'`: the body and native attributes as
 * the broker delivered them. Same outcome rules as `Handler`.
 */
export type RawHandler = (message: RawMessage, context: HandlerContext) => Promise<unknown> | unknown;

/** What a handler can do besides reading its message. */
export interface HandlerContext {
  /** Aborted when the consumer stops or the handler times out: pass it to I/O that accepts one. */
  readonly signal: AbortSignal;
  /** Sends to a queue, stamping `correlationId` and `causationId` from the message being handled. */
  send<T>(
    queue: string,
    message: MessageInput<T> | readonly MessageInput<T>[],
    options?: { delayMs?: number },
  ): Promise<void>;
  /** Publishes to a topic, stamping `correlationId` and `causationId`. */
  publish<T>(topic: string, message: MessageInput<T> | readonly MessageInput<T>[]): Promise<void>;
  /** Emits events to the bus's rules, stamping `correlationId` and `causationId`. */
  emit<T>(event: MessageInput<T> | readonly MessageInput<T>[]): Promise<void>;
  /** A logger whose entries carry the message id, type and queue. */
  readonly logger: Logger;
  /** Where the message came from: a queue name or `topic/subscription`. */
  readonly origin: string;
}

/**
 * Wraps a handler: run code before and after `next`, or decide not to call it (a duplicate).
 * Middleware listed first runs outermost.
 */
export type Middleware = <T>(
  message: Message<T>,
  context: HandlerContext,
  next: () => Promise<unknown>,
) => Promise<unknown>;
