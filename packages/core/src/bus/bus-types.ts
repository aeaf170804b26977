import type { BatchConsumerOptions, BatchHandler } from '../consumer/batch-handler.js';
import type { ConsumerOptions, RawConsumerOptions } from '../consumer/consumer-options.js';
import type { ConsumerDefinition } from '../consumer/define-consumer.js';
import type { Handler, RawHandler } from '../consumer/handler.js';
import type { DeadLetterOperations } from '../dead-letters/create-dead-letters.js';
import type { Logger } from '../logger/logger.js';
import type { MessageInput } from '../message/message.js';
import type { EventPattern } from '../pattern/index.js';
import type { Capabilities } from '../transport/capabilities.js';
import type { Delivery, RuleTarget, Transport } from '../transport/transport.js';
import type { BusEventListener, BusEventName } from '../telemetry/bus-events.js';
import type { TelemetryOptions } from '../telemetry/telemetry-options.js';

/** Options of `createBus`. */
export interface BusOptions {
  /** A transport URL (`memory://`, `amqp://…`, `aws://…`) or a `Transport` instance. */
  transport: string | URL | Transport;
  /**
   * CloudEvents `source` stamped on every message this bus sends without one.
   * @default 'omnibus'
   */
  source?: string;
  /**
   * `'auto'` creates queues, topics, subscriptions and rules on first use; `'never'` creates
   * nothing and fails with `ConfigurationError` naming what is missing. With a `Transport`
   * instance it must match how the instance was created (`transport.provision`), or `createBus`
   * fails with `ConfigurationError`; left out, the instance's own setting applies.
   * @default 'auto' (with an instance: the instance's)
   */
  provision?: 'auto' | 'never';
  /** Where Omnibus logs. @default warnings and errors to the console */
  logger?: Logger;
  /**
   * OpenTelemetry traces and metrics. With `@opentelemetry/api` installed, the bus uses the
   * globally registered providers unless others are given here; `false` turns telemetry off (the
   * API is then never loaded). See docs/concepts/observability.md.
   * @default the global providers when `@opentelemetry/api` is installed, else off
   */
  telemetry?: TelemetryOptions | false;
}

/** The entry point: producers, consumers, topics, rules and events over one transport. */
export interface Bus {
  /** What the transport does natively. */
  readonly capabilities: Capabilities;
  /** The transport's name, e.g. `'memory'`. */
  readonly transportName: string;
  /** The CloudEvents `source` this bus stamps on what it sends without one. */
  readonly source: string;
  /**
   * Subscribes to a lifecycle event (`sent`, `received`, `settled`, `dead-lettered`,
   * `connection-lost`, `connection-restored`); returns the function that unsubscribes. Listeners
   * run synchronously on the messaging path: keep them short. A listener that throws is logged.
   */
  on<E extends BusEventName>(event: E, listener: BusEventListener<E>): () => void;
  /** A producer for a point-to-point queue. */
  producer(queue: string, options?: ProducerOptions): Producer;
  /** A consumer of a queue. Call `start()` to begin. */
  consumer(queue: string, handler: RawHandler, options: RawConsumerOptions): Consumer;
  /** A consumer whose handler takes batches of up to `options.batch.size` messages. */
  consumer<T = unknown>(queue: string, handler: BatchHandler<T>, options: BatchConsumerOptions): Consumer;
  consumer<T = unknown>(queue: string, handler: Handler<T>, options?: ConsumerOptions): Consumer;
  /** A consumer of a definition made by `defineConsumer` (a queue or a topic subscription). */
  consumer<T>(definition: ConsumerDefinition<T>): Consumer;
  /**
   * Runs one delivered message through the consumer runtime of `definition` — decode, schema
   * validation, middleware, the handler with its `ctx`, then exactly one of the delivery's
   * `ack`/`retry`/`deadLetter` chosen by the retry budget — exactly as a running consumer would.
   * For function entry points, whose platform delivers the message and whose `Delivery` settles it
   * the platform's way. Resolves once the delivery is settled; never rejects (a settle that fails
   * is logged and the platform redelivers).
   */
  handleDelivery<T>(definition: ConsumerDefinition<T>, delivery: Delivery): Promise<void>;
  /** A topic: publish to it, subscribe named durable subscriptions. */
  topic(name: string): Topic;
  /** Creates or updates a content-based rule. Idempotent. */
  rule(name: string, definition: RuleInput): Promise<EventRule>;
  /** Rule management. */
  readonly rules: { delete(name: string): Promise<void> };
  /** Emits events; rules route each to the target of every rule it matches, once per rule. */
  emit<T>(event: MessageInput<T> | readonly MessageInput<T>[]): Promise<void>;
  /** The dead letters of a queue or a subscription: consume, count, peek, redrive, purge. */
  deadLetters(of: string | { topic: string; subscription: string }): DeadLetters;
  /** Stops every consumer (draining in-flight handlers), then closes the transport. Idempotent. */
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Ask for per-key ordering (the transport must support `ordering: 'key'`). */
  ordering?: 'key' | 'none';
  /**
   * The CloudEvents content mode of what this producer sends. `'binary'`: the envelope as the
   * broker's native attributes under its binding's names, the body is `data`. `'structured'`: the
   * body is the whole event as `application/cloudevents+json`, for consumers that expect it (the
   * attributes are still written). Omnibus consumers read both. See
   * `docs/concepts/interoperability.md`.
   * @default 'binary'
   */
  format?: 'binary' | 'structured';
}

/** Sends to one queue. */
export interface Producer {
  readonly queue: string;
  /**
   * Sends one message or a batch. Resolves once the broker confirmed every message. A message over
   * the transport's size limit fails with `MessageTooLargeError` before anything is sent.
   */
  send<T>(message: MessageInput<T> | readonly MessageInput<T>[], options?: SendMessageOptions): Promise<void>;
}

export interface SendMessageOptions {
  /** Deliver no earlier than this many milliseconds from now. */
  delayMs?: number;
}

/** A running or stopped consumer. */
export interface Consumer {
  /** Attaches to the source (creating it if needed) and begins handling. Idempotent while running. */
  start(): Promise<void>;
  /** Stops fetching, waits for in-flight handlers to settle, detaches. Idempotent. */
  stop(): Promise<void>;
  /** Whether the consumer is started. */
  readonly running: boolean;
}

/** Publish/subscribe fan-out. */
export interface Topic {
  readonly name: string;
  /** Publishes to every subscription. Same confirmation and size rules as `Producer.send`. */
  publish<T>(message: MessageInput<T> | readonly MessageInput<T>[]): Promise<void>;
  /** A durable, named subscription, created on its first `start()`. */
  subscribe(subscription: string, handler: RawHandler, options: RawConsumerOptions): Consumer;
  /** A subscription whose handler takes batches of up to `options.batch.size` messages. */
  subscribe<T = unknown>(
    subscription: string,
    handler: BatchHandler<T>,
    options: BatchConsumerOptions,
  ): Consumer;
  subscribe<T = unknown>(subscription: string, handler: Handler<T>, options?: ConsumerOptions): Consumer;
  /** A subscription of a definition made by `defineConsumer({ topic, subscription }, …)` for this topic. */
  subscribe<T>(definition: ConsumerDefinition<T>): Consumer;
}

/** What `bus.rule` takes. */
export interface RuleInput {
  /** An EventBridge pattern over `{ id, type, source, subject, time, data, headers }`. */
  pattern: EventPattern;
  /** Where matching events go. */
  target: RuleTarget;
}

/** A rule as created. */
export interface EventRule {
  readonly name: string;
  readonly pattern: EventPattern;
  readonly target: RuleTarget;
  /** Deletes this rule. */
  delete(): Promise<void>;
}

/**
 * The dead letters of one source: consume them like any source, or manage them (count, peek,
 * redrive, purge) where `capabilities.deadLetterManagement` says the transport can.
 */
export interface DeadLetters extends DeadLetterOperations {
  /** A consumer of the dead letters; their original id, type, data and headers are kept. */
  consume(handler: RawHandler, options: RawConsumerOptions): Consumer;
  consume<T = unknown>(handler: Handler<T>, options?: ConsumerOptions): Consumer;
}
