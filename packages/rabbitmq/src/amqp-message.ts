import { Attribute, type EncodedMessage } from '@omnibus/core/transport';
import type { ConsumeMessage, Message } from 'amqplib';

/** The header carrying the attempt across republishes (retries go through a fresh copy). */
export const ATTEMPT_HEADER = 'x-omnibus-attempt';

// Headers the broker adds on dead-lettering and redelivery, and the transport's own: never part of
// the message's attributes.
const BROKER_HEADERS = new Set([ATTEMPT_HEADER, 'x-death', 'x-delivery-count']);
const BROKER_PREFIXES = ['x-first-death-', 'x-last-death-'];

/** Restores the `EncodedMessage` a producer sent: its attributes from the headers, its body verbatim. */
export function toEncodedMessage(message: Message): EncodedMessage {
  const attributes: Record<string, string> = {};
  const headers = message.properties.headers ?? {};
  for (const name in headers) {
    if (BROKER_HEADERS.has(name) || BROKER_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const value = asString(headers[name]);
    if (value !== undefined) attributes[name] = value;
  }
  const messageId = message.properties.messageId as unknown;
  const id = attributes[Attribute.id] ?? (typeof messageId === 'string' ? messageId : '');
  const key = attributes[Attribute.key];
  const body = new Uint8Array(message.content.buffer, message.content.byteOffset, message.content.byteLength);
  const contentType = message.properties.contentType as unknown;
  const encoded: EncodedMessage =
    key === undefined ? { id, attributes, body } : { id, key, attributes, body };
  return typeof contentType === 'string' ? { ...encoded, contentType } : encoded;
}

/**
 * 1 on first delivery. Retries carry the attempt in a header; the broker's redeliveries of one
 * copy (a crashed consumer, a lost channel) add quorum queues' `x-delivery-count`, or 1 for a
 * classic queue's `redelivered` flag (classic queues do not count).
 */
export function attemptOf(message: ConsumeMessage): number {
  const headers = message.properties.headers ?? {};
  const carried = Number(headers[ATTEMPT_HEADER]);
  const base = Number.isInteger(carried) && carried >= 1 ? carried : 1;
  const count = Number(headers['x-delivery-count']);
  if (Number.isInteger(count) && count > 0) return base + count;
  return base + (message.fields.redelivered ? 1 : 0);
}

// Foreign producers may send numbers, booleans or bytes; Omnibus itself only sends strings.
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
