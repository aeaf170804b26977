import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { FailureHeader } from '@omnibus/core';
import { Attribute, type EncodedMessage } from '@omnibus/core/transport';
import {
  checkHeaderName,
  fromApplicationPropertyName,
  isContentTypeAttribute,
  toApplicationPropertyName,
} from './cloudevents-amqp-names.js';

/**
 * The application property carrying the attempt a scheduled retry copy starts at: a copy is a new
 * Service Bus message whose delivery count starts again at 0.
 */
export const ATTEMPT_PROPERTY = 'omnibus-attempt';

/** Application properties Service Bus adds to dead letters (reason and description). */
const NATIVE_DEAD_LETTER_PROPERTIES = new Set(['DeadLetterReason', 'DeadLetterErrorDescription']);

/**
 * The Service Bus message for an encoded message: attributes as application properties (the
 * envelope's under the CloudEvents AMQP binding's names, see `cloudevents-amqp-names.ts`), the body
 * as one binary data section, the id as `messageId` (duplicate detection, logs), the key as
 * `sessionId` when the entity orders by session.
 */
export function toServiceBusMessage(
  encoded: EncodedMessage,
  options: { readonly sessionId?: string; readonly enqueueAt?: Date; readonly attempt?: number } = {},
): ServiceBusMessage {
  const applicationProperties: Record<string, string | number> = {};
  const attributes = encoded.attributes;
  for (const name in attributes) {
    if (isContentTypeAttribute(name)) continue;
    checkHeaderName(name);
    applicationProperties[toApplicationPropertyName(name)] = attributes[name]!;
  }
  if (options.attempt !== undefined && options.attempt > 1)
    applicationProperties[ATTEMPT_PROPERTY] = options.attempt;
  const message: ServiceBusMessage = {
    body: Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength),
    contentType: encoded.contentType ?? attributes[Attribute.contentType] ?? 'application/json',
    messageId: encoded.id,
    applicationProperties,
  };
  if (options.sessionId !== undefined) message.sessionId = options.sessionId;
  if (options.enqueueAt !== undefined) message.scheduledEnqueueTimeUtc = options.enqueueAt;
  const correlationId = encoded.attributes[Attribute.correlationId];
  if (correlationId !== undefined) message.correlationId = correlationId;
  return message;
}

/** What `fromServiceBusMessage` reads of a received message (a trigger's metadata has these too). */
export type ReceivedMessageFields = Pick<
  ServiceBusReceivedMessage,
  | 'body'
  | 'applicationProperties'
  | 'messageId'
  | 'contentType'
  | 'deliveryCount'
  | 'deadLetterReason'
  | 'deadLetterErrorDescription'
  | 'enqueuedTimeUtc'
>;

/**
 * The encoded message as core sent it: application properties back to string attributes (minus
 * the carried attempt and Service Bus's own dead-letter properties), the body bytes verbatim.
 * A dead letter Service Bus moved by itself (MaxDeliveryCountExceeded, expiry) gets the failure
 * headers core would have written, so every dead letter reads the same.
 */
export function fromServiceBusMessage(
  message: ReceivedMessageFields,
  describeSource: string,
  deadLetter: boolean,
): EncodedMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    if (name === ATTEMPT_PROPERTY || NATIVE_DEAD_LETTER_PROPERTIES.has(name)) continue;
    if (value === null || value === undefined) continue;
    attributes[fromApplicationPropertyName(name)] =
      value instanceof Date ? value.toISOString() : String(value);
  }
  if (deadLetter && attributes[FailureHeader.error] === undefined) {
    const reason = message.deadLetterReason ?? 'DeadLettered';
    const description = message.deadLetterErrorDescription;
    attributes[FailureHeader.error] = description ? `${reason}: ${description}` : reason;
    attributes[FailureHeader.failedQueue] = describeSource;
    attributes[FailureHeader.failedAt] = (message.enqueuedTimeUtc ?? new Date()).toISOString();
    attributes[FailureHeader.attempts] = String(message.deliveryCount ?? 0);
  }
  const body = bodyBytes(message.body);
  const id = attributes[Attribute.id] ?? String(message.messageId ?? '');
  const key = attributes[Attribute.key];
  const encoded: EncodedMessage =
    key !== undefined ? { id, key, attributes, body } : { id, attributes, body };
  return typeof message.contentType === 'string' ? { ...encoded, contentType: message.contentType } : encoded;
}

/**
 * The attempt of a delivery: the carried attempt of a retry copy (1 when absent) plus the
 * deliveries Service Bus counted before this one (the JS SDK reports 0 on first delivery).
 */
export function attemptOf(message: ReceivedMessageFields): number {
  return carriedAttempt(message.applicationProperties) + (message.deliveryCount ?? 0);
}

/** The attempt a retry copy starts at (`omnibus-attempt`), 1 for a message that is not a copy. */
export function carriedAttempt(
  applicationProperties: ReceivedMessageFields['applicationProperties'],
): number {
  const carried = Number(applicationProperties?.[ATTEMPT_PROPERTY]);
  return Number.isInteger(carried) && carried > 0 ? carried : 1;
}

/** The body as bytes: a data section arrives as a Buffer (JSON parsing is off in the receivers). */
function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return new TextEncoder().encode(body);
  // A foreign producer sent an AMQP value or sequence: carry it as JSON so core can decide.
  return new TextEncoder().encode(JSON.stringify(body ?? null));
}
