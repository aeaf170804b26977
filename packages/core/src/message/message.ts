/**
 * The message envelope. Attribute names follow CloudEvents 1.0 (`id`, `type`, `source`, `subject`,
 * `time`, `data`), so an Omnibus message maps one-to-one onto a CloudEvent.
 */
export interface Message<T = unknown> {
  /** Unique id; a UUIDv7 when not given. Stable across redeliveries and retries. */
  id: string;
  /** What happened or what to do, e.g. `PaymentAuthorized` (an event) or `ReserveStock` (a command). */
  type: string;
  /** Who sent it: the sending bus's `source` unless given. */
  source: string;
  /** What the message is about, e.g. an order id. */
  subject?: string;
  /** RFC 3339 timestamp, set at send. */
  time: string;
  /** The JSON-serialisable payload. */
  data: T;
  /** User attributes, carried natively by each transport (AMQP headers, SQS attributes…). */
  headers: Record<string, string>;
  /** Ties together every message of one business flow; propagated by `ctx.send/publish/emit`. */
  correlationId?: string;
  /** The id of the message whose handler sent this one. */
  causationId?: string;
  /** Ordering / group / session key, where the transport supports ordering. */
  key?: string;
  /** 1 on first delivery, +1 per redelivery. Read-only on receive; ignored on send. */
  attempt: number;
}

/** What a producer accepts: `type` and `data`, everything else optional and filled in at send. */
export type MessageInput<T = unknown> = { type: string; data: T } & Partial<
  Omit<Message<T>, 'attempt' | 'type' | 'data'>
>;

/**
 * The JSON view that event patterns are matched against: `type` plays EventBridge's `detail-type`
 * and `data` plays `detail`.
 */
export interface EventView {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  data: unknown;
  headers: Record<string, string>;
}
