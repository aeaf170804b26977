import { isUtf8 } from 'node:buffer';
import { DecodeError, InvalidMessageError } from '../errors/index.js';
import { Attribute, type EncodedMessage } from './encoded-message.js';
import type { EventView, Message, MessageInput } from './message.js';
import { reservedHeaderRule } from './reserved-headers.js';
import { uuidv7 } from './uuid-v7.js';

/** Values stamped on a message at send when the input lacks them. */
export interface EnvelopeDefaults {
  readonly source: string;
  /** RFC 3339 send time; one per batch saves formatting a date per message. @default now */
  readonly time?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * Completes a `MessageInput` into an envelope and encodes it. Throws `InvalidMessageError` for input
 * no transport could carry faithfully, before any I/O.
 */
export function encodeMessage(input: MessageInput, defaults: EnvelopeDefaults): EncodedMessage {
  if (input === null || typeof input !== 'object') {
    throw new InvalidMessageError(
      `A message must be an object with 'type' and 'data'; got ${describe(input)}.`,
    );
  }
  if (typeof input.type !== 'string' || input.type === '') {
    throw new InvalidMessageError(
      "A message needs a non-empty string 'type', e.g. { type: 'OrderPlaced', data: {...} }.",
    );
  }
  if (input.data === undefined) {
    throw new InvalidMessageError(`Message '${input.type}' has no 'data'; use null for an empty payload.`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(input.data);
  } catch (error) {
    throw new InvalidMessageError(`The data of message '${input.type}' is not JSON-serialisable.`, {
      cause: error,
    });
  }
  if (json === undefined) {
    throw new InvalidMessageError(`The data of message '${input.type}' is not JSON-serialisable.`);
  }

  const id = optionalString(input.id, 'id', input.type) ?? uuidv7();
  // Literal keys (rather than computed from `Attribute`) let V8 build this object from one shape.
  const attributes: Record<string, string> = {
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': input.type,
    'ce-source': optionalString(input.source, 'source', input.type) ?? defaults.source,
    'ce-time': optionalString(input.time, 'time', input.type) ?? defaults.time ?? new Date().toISOString(),
    'ce-datacontenttype': 'application/json',
  };
  const subject = optionalString(input.subject, 'subject', input.type);
  if (subject !== undefined) attributes[Attribute.subject] = subject;
  const correlationId =
    optionalString(input.correlationId, 'correlationId', input.type) ?? defaults.correlationId;
  if (correlationId !== undefined) attributes[Attribute.correlationId] = correlationId;
  const causationId = optionalString(input.causationId, 'causationId', input.type) ?? defaults.causationId;
  if (causationId !== undefined) attributes[Attribute.causationId] = causationId;
  const key = optionalString(input.key, 'key', input.type);
  if (key !== undefined) attributes[Attribute.key] = key;

  const headers = input.headers;
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object') {
      throw new InvalidMessageError(`The headers of message '${input.type}' must be an object of strings.`);
    }
    for (const name in headers) {
      const value = headers[name];
      if (typeof value !== 'string') {
        throw new InvalidMessageError(
          `Header '${name}' of message '${input.type}' must be a string; got ${describe(value)}.`,
        );
      }
      const reserved = reservedHeaderRule(name);
      if (reserved !== undefined) {
        throw new InvalidMessageError(
          `Header '${name}' of message '${input.type}' is reserved for Omnibus (reserved prefix or name '${reserved}'); rename it.`,
        );
      }
      attributes[name] = value;
    }
  }
  // Buffer.from is several times faster than TextEncoder for short strings (it uses a pool).
  const body = Buffer.from(json, 'utf8');
  return key === undefined ? { id, attributes, body } : { id, key, attributes, body };
}

/**
 * Decodes what a transport delivered back into a message. Throws `DecodeError` when the body is
 * not UTF-8 JSON or required envelope attributes are missing: such a message is dead-lettered at once.
 */
export function decodeMessage<T = unknown>(encoded: EncodedMessage, attempt: number): Message<T> {
  const attributes = encoded.attributes;
  const type = attributes[Attribute.type];
  const id = attributes[Attribute.id] ?? encoded.id;
  if (!type || !id) {
    throw new DecodeError(
      `The message has no ${type ? 'id' : 'type'} attribute: it was not sent by Omnibus or was altered.`,
    );
  }
  let data: T;
  try {
    const body = encoded.body;
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // Checked explicitly: Buffer#toString would silently replace invalid bytes with U+FFFD.
    if (!isUtf8(bytes)) throw new Error('not UTF-8');
    data = JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new DecodeError(`The body of message ${id} (${type}) is not valid UTF-8 JSON.`, { cause: error });
  }
  const message: Message<T> = {
    id,
    type,
    source: attributes[Attribute.source] ?? '',
    time: attributes[Attribute.time] ?? '',
    data,
    headers: userHeaders(attributes),
    attempt,
  };
  const subject = attributes[Attribute.subject];
  if (subject !== undefined) message.subject = subject;
  const correlationId = attributes[Attribute.correlationId];
  if (correlationId !== undefined) message.correlationId = correlationId;
  const causationId = attributes[Attribute.causationId];
  if (causationId !== undefined) message.causationId = causationId;
  const key = attributes[Attribute.key] ?? encoded.key;
  if (key !== undefined) message.key = key;
  return message;
}

/** The JSON view rule patterns match: `{ id, type, source, subject, time, data, headers }`. */
export function toEventView(message: Message): EventView {
  const view: EventView = {
    id: message.id,
    type: message.type,
    source: message.source,
    time: message.time,
    data: message.data,
    headers: message.headers,
  };
  if (message.subject !== undefined) view.subject = message.subject;
  return view;
}

/** Decodes straight to the event view, for transports that check rule patterns themselves. */
export function decodeEventView(encoded: EncodedMessage): EventView {
  return toEventView(decodeMessage(encoded, 1));
}

/** Bytes a transport must carry for this message: the body plus every attribute name and value. */
export function encodedSize(encoded: EncodedMessage): number {
  let size = encoded.body.byteLength;
  const attributes = encoded.attributes;
  for (const name in attributes) size += name.length + Buffer.byteLength(attributes[name]!);
  return size;
}

/** Returns a copy of `encoded` with `headers` added to (or replacing) its attributes. */
export function withHeaders(
  encoded: EncodedMessage,
  headers: Readonly<Record<string, string>>,
): EncodedMessage {
  return { ...encoded, attributes: { ...encoded.attributes, ...headers } };
}

/** The user headers among a message's attributes: every attribute outside the `ce-` envelope. */
export function userHeaders(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in attributes) {
    // 'c', 'e', '-' by char code: cheaper than startsWith for every attribute of every message.
    if (name.charCodeAt(0) !== 99 || name.charCodeAt(1) !== 101 || name.charCodeAt(2) !== 45) {
      headers[name] = attributes[name]!;
    }
  }
  return headers;
}

// Takes the value rather than the field name: reading each field directly keeps the property
// accesses monomorphic on the send hot path.
function optionalString(value: unknown, field: string, type: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new InvalidMessageError(
      `Field '${field}' of message '${type}' must be a non-empty string; got ${describe(value)}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string '${value.slice(0, 40)}'` : `a ${typeof value}`;
}
