import { FailureHeader } from '@omnibus/core';
import type { EncodedMessage } from '@omnibus/core/transport';

/** Attributes Pub/Sub adds when its dead-letter policy forwards a message. */
const NATIVE_DEAD_LETTER_PREFIX = 'CloudPubSubDeadLetterSource';
const NATIVE_DELIVERY_COUNT = 'CloudPubSubDeadLetterSourceDeliveryCount';

/** The parts of a Pub/Sub message this mapping reads, from a streaming or a unary pull. */
export interface PubSubWireMessage {
  readonly id: string;
  readonly data: Uint8Array;
  readonly attributes?: Readonly<Record<string, string>> | null;
  readonly orderingKey?: string | null;
  /** When Pub/Sub stored it (for a dead letter it forwarded: when it forwarded it). */
  readonly publishTime?: Date;
}

/**
 * The message as core encoded it: attributes and body verbatim. Pub/Sub's own dead-letter
 * attributes are turned into Omnibus failure headers, so a message the broker forwarded (after a
 * consumer crashed or never settled it) reads like one core dead-lettered.
 */
export function fromPubSubMessage(message: PubSubWireMessage, describeSource: string): EncodedMessage {
  const attributes: Record<string, string> = {};
  let nativeCount: string | undefined;
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    if (name.startsWith(NATIVE_DEAD_LETTER_PREFIX)) {
      if (name === NATIVE_DELIVERY_COUNT) nativeCount = value;
      continue;
    }
    attributes[name] = value;
  }
  if (nativeCount !== undefined && attributes[FailureHeader.error] === undefined) {
    attributes[FailureHeader.error] =
      'MaxDeliveryAttemptsExceeded: the message was not settled within its delivery attempts';
    attributes[FailureHeader.failedQueue] = describeSource;
    attributes[FailureHeader.failedAt] = (message.publishTime ?? new Date()).toISOString();
    attributes[FailureHeader.attempts] = nativeCount;
  }
  // The client's data is a Buffer, like the bodies core encodes (its decoder reads Buffers fastest).
  const body = message.data;
  const id = attributes['ce-id'] ?? message.id;
  const key = message.orderingKey || attributes['ce-partitionkey'];
  return key ? { id, key, attributes, body } : { id, attributes, body };
}
