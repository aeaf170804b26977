import { amqpMessageCodec } from './amqp-codec.js';
import { toLockTokenTag } from './lock-token.js';
import type { Disposition, EntityConsumer, MessageEntity, ReceiveMode } from './message-entity.js';
import { type ServerSenderLink, settleAndForget } from './rhea-server-link.js';
import { ServiceBusFault } from './service-bus-fault.js';

/** A client's receive link bound to an entity. */
export interface ReceiverLinkConsumer extends EntityConsumer {
  readonly link: ServerSenderLink;
  /** The client sent a flow (more credit, or a drain request). */
  onFlow(draining: boolean): void;
  /** The client settled a delivery with an outcome. */
  onOutcome(delivery: import('rhea').Delivery): void;
  /** The link or its connection went away. */
  close(): void;
}

interface RheaOutcome {
  constructor: { composite_type?: string };
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

/** Maps the client's AMQP outcome to a Service Bus disposition (see the SDK's receiverCommon). */
function dispositionOf(outcome: RheaOutcome): Disposition {
  switch (outcome.constructor.composite_type) {
    case 'accepted':
      return { kind: 'complete' };
    case 'rejected': {
      const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = outcome.error?.info ?? {};
      return {
        kind: 'deadLetter',
        reason: DeadLetterReason === undefined ? undefined : String(DeadLetterReason),
        description:
          DeadLetterErrorDescription === undefined ? undefined : String(DeadLetterErrorDescription),
        propertiesToModify: rest,
      };
    }
    case 'modified':
      return outcome.undeliverable_here
        ? { kind: 'defer', propertiesToModify: outcome.message_annotations }
        : { kind: 'abandon', propertiesToModify: outcome.message_annotations };
    default:
      // released: the client gave the message back without processing it.
      return { kind: 'abandon' };
  }
}

/**
 * The state the broker settles with: the client's own outcome type, minus any error, since the
 * SDK fails a settlement whose remote state carries an error (and dead-lettering sends one).
 */
function settledStateFor(outcome: RheaOutcome): unknown {
  switch (outcome.constructor.composite_type) {
    case 'rejected':
      return amqpMessageCodec.rejected({}).described();
    case 'modified':
      return amqpMessageCodec.modified({}).described();
    case 'released':
      return amqpMessageCodec.released().described();
    default:
      return amqpMessageCodec.accepted().described();
  }
}

/**
 * Binds an rhea sender link (the client's receiver) to an entity: tracks credit, answers drains,
 * sends lock tokens as delivery tags, and turns the client's outcomes into settlements.
 */
export function createReceiverLinkConsumer(
  link: ServerSenderLink,
  entity: MessageEntity,
  receiveMode: ReceiveMode,
  onSessionLost: (fault: ServiceBusFault) => void,
): ReceiverLinkConsumer {
  // Our own count of transfers handed to rhea: rhea only counts a transfer once it is written,
  // so its `credit` would let a burst of sends overrun the client's credit.
  let sent = 0;
  let nextTag = 0;
  const lockTokens = new WeakMap<object, string>();

  // rhea answers a drain only while credit remains; the SDK waits for the answer even when its
  // credit is already used up, so answer drains unconditionally.
  link._get_drain = function getDrain(this: ServerSenderLink) {
    if (!this._draining || !this._drained) return false;
    this.delivery_count += this.credit;
    this.credit = 0;
    this._draining = false;
    return true;
  };

  const consumer: ReceiverLinkConsumer = {
    link,
    receiveMode,
    availableCredit() {
      if (!link.is_open()) return 0;
      const linkCredit = link.credit + link.delivery_count - sent;
      const bufferSpace = (
        link.session as unknown as { outgoing: { deliveries: { available(): number } } }
      ).outgoing.deliveries.available();
      return Math.min(linkCredit, bufferSpace - 1);
    },
    transfer(bytes, lockToken) {
      sent++;
      const tag = lockToken ? toLockTokenTag(lockToken) : Buffer.from(String(nextTag++));
      const delivery = link.send(bytes, tag, 0);
      if (lockToken) lockTokens.set(delivery, lockToken);
    },
    sessionLost(fault) {
      onSessionLost(fault);
    },
    onFlow(draining) {
      entity.pump();
      if (draining) {
        sent += Math.max(0, link.credit + link.delivery_count - sent);
        link.set_drained(true);
      }
    },
    onOutcome(delivery) {
      const lockToken = lockTokens.get(delivery);
      if (!lockToken) return;
      lockTokens.delete(delivery);
      try {
        const outcome = delivery.remote_state as unknown as RheaOutcome;
        entity.settle(lockToken, dispositionOf(outcome));
        settleAndForget(delivery, settledStateFor(outcome));
      } catch (error) {
        const fault =
          error instanceof ServiceBusFault
            ? error
            : new ServiceBusFault('argumentError', (error as Error).message);
        settleAndForget(delivery, amqpMessageCodec.rejected({ error: fault.toAmqpError() }).described());
      }
    },
    close() {
      entity.detach(consumer);
    },
  };
  return consumer;
}
