import type { EncodedMessage } from '../message/encoded-message.js';
import type { QueueRef, SubscriptionRef } from './transport.js';

/**
 * Dead-letter management a transport may offer, beside consuming dead letters: counting them,
 * looking at them without removing them, and taking them one lease at a time so core can move
 * (redrive) or delete (purge) each. Optional: a transport that has it declares
 * `capabilities.deadLetterManagement`, and core refuses the operations with
 * `UnsupportedFeatureError` when it is absent.
 *
 * Everything here is about the dead letters *of* a queue or a subscription (`of`), named as the
 * user wrote them; the transport maps them onto its native dead-letter queue.
 *
 * Core owns the policy: which letters are selected, how a letter is rewritten before it is sent
 * back, pacing, counting outcomes. The transport only counts, shows, leases, removes and releases.
 */
export interface DeadLetterStore {
  /**
   * How many dead letters there are now. Exact or approximate as
   * `capabilities.deadLetterManagement.count` says. A dead-letter queue that was never created
   * counts 0 with provisioning `'auto'`, and fails with `ConfigurationError` naming it with `'never'`.
   */
  count(of: DeadLetterParent): Promise<number>;

  /**
   * Up to `options.limit` dead letters, oldest first as far as the broker knows, left where they are.
   * With `peek: 'lock'` the broker can only show a message by leasing it: the transport releases
   * each at once, but for that moment another reader of the dead-letter queue does not see it.
   */
  peek(of: DeadLetterParent, options: { readonly limit: number }): Promise<StoredDeadLetter[]>;

  /**
   * Leases up to `options.limit` dead letters: while leased, no other reader receives them. Each
   * must end with `remove()` or `release()`; a lease that is neither (a crash, a lost connection)
   * expires after about `options.leaseMs` and the letter is back, so nothing is ever lost. Resolves
   * with an empty list once no unleased letter is left (after at most a short broker-side wait).
   */
  receive(
    of: DeadLetterParent,
    options: { readonly limit: number; readonly leaseMs: number },
  ): Promise<LeasedDeadLetter[]>;

  /**
   * Sends messages to exactly one subscription of a topic (not to the topic: the other
   * subscriptions handled them already), confirmed like `send`. Present only where
   * `capabilities.deadLetterManagement.redriveToSubscription` is true.
   */
  sendToSubscription?(of: SubscriptionRef, messages: readonly EncodedMessage[]): Promise<void>;
}

/** A queue or a subscription whose dead letters are managed. */
export type DeadLetterParent = QueueRef | SubscriptionRef;

/** A dead letter as the broker holds it. */
export interface StoredDeadLetter {
  /**
   * The message verbatim: its attributes (envelope, user headers and the failure headers core
   * added) and its body, which may not be decodable. `message.id` is the envelope id, or the
   * native id when the message has none.
   */
  readonly message: EncodedMessage;
  /** When the broker stored it in the dead-letter queue (epoch ms), where it says. */
  readonly deadLetteredAt?: number;
  /** The reason the broker itself recorded (Service Bus `DeadLetterReason`, RabbitMQ `x-death`…). */
  readonly nativeReason?: string;
}

/** A dead letter leased by `receive`. Exactly one of its methods is called, once. */
export interface LeasedDeadLetter extends StoredDeadLetter {
  /** Deletes it from the dead-letter queue; resolves once the broker recorded it. */
  remove(): Promise<void>;
  /** Gives it back, unchanged, for the next reader. */
  release(): Promise<void>;
}
