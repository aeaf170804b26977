import type { CompiledPattern, EventPattern } from '../pattern/index.js';
import type { EncodedMessage } from '../message/encoded-message.js';
import type { Capabilities } from './capabilities.js';
import type { DeadLetterStore } from './dead-letter-store.js';

/**
 * The transport contract, version 1. A transport moves encoded messages and their attributes,
 * provisions what it is asked to use, settles deliveries and compiles rule patterns to native
 * filters where it can. Everything that must behave the same everywhere — envelope, retry policy,
 * dead-letter metadata, idempotency, validation, correlation — lives in core, not here.
 *
 * Rules for implementers:
 * - Construction validates every option and does no I/O; `connect` is called once before first use.
 * - Every method that resolves means "the broker has it": a send resolves only after the broker
 *   confirmed, a settle only after the broker recorded it.
 * - Errors are rejected promises of `OmnibusError` subclasses (`ConnectionError`,
 *   `ConfigurationError`…), keeping the SDK error as `cause`; never only an `'error'` event.
 * - Names of queues, topics and subscriptions reach the transport as the user wrote them; the
 *   transport maps them onto native names (prefixes, length limits) deterministically.
 */
export interface Transport {
  /** The contract version this transport implements. */
  readonly specificationVersion: 'v1';
  /** Short name used in errors and logs, e.g. `'rabbitmq'`. */
  readonly name: string;
  /** What the transport does natively; core checks requests against it before any I/O. */
  readonly capabilities: Capabilities;
  /**
   * What the transport does about a missing queue, topic, subscription or rule: `'auto'` creates
   * it, `'never'` fails with `ConfigurationError` naming it. Fixed when the transport is created.
   * `createBus({ transport, provision })` refuses an instance whose setting differs from the one
   * asked for, so `'never'` is never silently ignored. Absent: the transport creates what it uses.
   */
  readonly provision?: 'auto' | 'never';

  /** Opens connections. Called once by core before first use; never after `close`. */
  connect(): Promise<void>;
  /**
   * Closes connections after every subscription was stopped by core. Idempotent: a second call
   * resolves at once.
   */
  close(): Promise<void>;

  /**
   * Sends messages to a queue, creating it first when provisioning is `'auto'`. Resolves when the
   * broker has confirmed every message; rejects if any was refused (then none is known to be lost:
   * the caller may resend, and consumers deduplicate by id).
   * Core has already checked sizes, the batch is non-empty and `options.delayMs` is within capabilities.
   * The batch may be longer than `capabilities.maxBatchSize`: split it as the broker requires
   * (keeping the order of messages that share a `key`).
   */
  send(queue: string, messages: readonly EncodedMessage[], options: SendOptions): Promise<void>;

  /** Publishes messages to a topic (fan-out to every subscription). Same confirmation rules as `send`. */
  publish(topic: string, messages: readonly EncodedMessage[], options: SendOptions): Promise<void>;

  /**
   * Emits events onto the bus's event stream, where rules route them. Each event must reach the
   * target of every rule whose pattern it matches, once per rule, and no other.
   */
  emit(events: readonly EncodedMessage[]): Promise<void>;

  /**
   * Starts delivering messages from `source` to `onDelivery`, at most `options.concurrency` at a
   * time. The transport keeps each delivery's lease alive (visibility, lock, ack deadline) until
   * the delivery is settled through one of its methods. `onDelivery` never rejects: core settles
   * every delivery itself. Resolves once the consumer is attached and (for subscriptions) the
   * subscription exists durably.
   */
  consume(
    source: SourceRef,
    onDelivery: DeliveryHandler,
    options: ConsumeOptions,
  ): Promise<TransportSubscription>;

  /** Creates or updates a rule. Idempotent: the same definition twice is a no-op. */
  putRule(rule: RuleDefinition): Promise<void>;
  /** Deletes a rule by name. Deleting a rule that does not exist resolves. */
  deleteRule(name: string): Promise<void>;

  /**
   * Optional: reports losing and regaining the broker connection, for the bus's
   * `connection-lost` / `connection-restored` events. Transports whose SDK reconnects invisibly
   * (HTTP or gRPC clients) leave it out. Returns the function that stops the reports.
   */
  watchConnection?(listener: (change: ConnectionChange) => void): () => void;

  /** Dead-letter management, present when `capabilities.deadLetterManagement` declares it. */
  readonly deadLetterStore?: DeadLetterStore;
}

/** Options of `send` and `publish`. */
export interface SendOptions {
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
  /** The producer asked for ordering by `key` (transports that need a special queue kind use this). */
  readonly ordering?: 'key' | 'none';
  /** Aborted when the bus closes, so a send waiting for a reconnect can give up. */
  readonly signal?: AbortSignal;
}

/** Options of `consume`. */
export interface ConsumeOptions {
  /** Most deliveries handed to `onDelivery` and not yet settled. At least 1. */
  readonly concurrency: number;
  /** The consumer asked for per-key ordering (capabilities.ordering must be `'key'`). */
  readonly ordering: 'key' | 'none';
  /**
   * The attempt after which core dead-letters. Transports with a native max-delivery setting
   * (SQS redrive, Pub/Sub dead-letter policy, Service Bus MaxDeliveryCount) configure it from this,
   * so a crashing consumer's messages end in the dead-letter queue too. `Infinity` when the
   * consumer turned dead-lettering off: then no native limit may dead-letter its messages.
   */
  readonly maxAttempts: number;
}

/** Where to consume from. */
export type SourceRef = QueueRef | SubscriptionRef | DeadLetterRef;

/** A point-to-point queue. */
export interface QueueRef {
  readonly kind: 'queue';
  readonly queue: string;
}
/** A named, durable subscription of a topic. */
export interface SubscriptionRef {
  readonly kind: 'subscription';
  readonly topic: string;
  readonly subscription: string;
}
/** The dead letters of a queue or a subscription. */
export interface DeadLetterRef {
  readonly kind: 'dead-letter';
  readonly of: QueueRef | SubscriptionRef;
}

/** Called by a transport for each delivery. Never rejects. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/** One delivery of one message. Exactly one settle method is called, once. */
export interface Delivery {
  /** The message as it arrived. Its attributes may be incomplete if a foreign producer sent it. */
  readonly message: EncodedMessage;
  /** 1 on first delivery, +1 per redelivery or retry, as the broker or the carried header counts. */
  readonly attempt: number;
  /** The native message, for debugging and escape hatches. Never typed in core. */
  readonly raw: unknown;
  /** Done: remove it from the source. */
  ack(): Promise<void>;
  /**
   * Deliver it again no earlier than `delayMs` from now (0 = as soon as possible), with
   * `attempt + 1`. Transports cap the delay at `capabilities.retryDelay.maxMs`.
   */
  retry(delayMs: number): Promise<void>;
  /**
   * Move it to the source's dead-letter queue with `failure.headers` added to its attributes,
   * keeping its id, type, data and headers; then remove it from the source.
   */
  deadLetter(failure: FailureInfo): Promise<void>;
}

/** Why a message is being dead-lettered. */
export interface FailureInfo {
  /** `<error name>: <error message>`. */
  readonly reason: string;
  /** The failure headers (`omnibus-error`, `omnibus-failed-queue`, …) to add to the message. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A running consumer attachment. */
export interface TransportSubscription {
  /**
   * Stops fetching new deliveries, waits until every delivery already handed to `onDelivery` has
   * been settled, then detaches. Idempotent.
   */
  stop(): Promise<void>;
}

/** A content-based routing rule, as core hands it to the transport. */
export interface RuleDefinition {
  /** Unique rule name on this bus. */
  readonly name: string;
  /** The validated EventBridge pattern over the envelope's JSON view. */
  readonly pattern: EventPattern;
  /** Where matching events go. */
  readonly target: RuleTarget;
  /**
   * The exact matcher for `pattern` over an `EventView`. Transports whose native filter is coarser
   * run it (on the decoded view) before forwarding.
   */
  readonly matches: CompiledPattern;
}

/** A rule's destination: a queue or a topic. */
export type RuleTarget = { readonly queue: string } | { readonly topic: string };

/** How a transport is created from a URL by `createBus`. Each adapter package exports one. */
export type TransportFactory = (
  url: URL | string,
  options: TransportFactoryOptions,
) => Transport | Promise<Transport>;

/** Bus-wide settings passed to a transport created from a URL. */
export interface TransportFactoryOptions {
  /** `'auto'` creates what is used; `'never'` fails with `ConfigurationError` naming what is missing. */
  readonly provision: 'auto' | 'never';
}

/** A change of a transport's broker connection. */
export type ConnectionChange =
  | { readonly state: 'lost'; readonly reason: string }
  | { readonly state: 'restored'; readonly downtimeMs: number };
