import type { EncodedMessage } from '@omnibus/core/transport';

/**
 * How an Omnibus envelope travels as SQS/SNS message attributes, which allow at most 10 per
 * message, names of `[A-Za-z0-9_.-]` and no empty values. SQS and SNS have no CloudEvents
 * binding; the choice (docs/adr/0006-cloudevents-protocol-bindings.md) follows the Pub/Sub and
 * HTTP bindings' binary mode, whose `ce-` names are valid SQS attribute names:
 *
 * - the CloudEvents core attributes ride as native String attributes `ce-specversion`, `ce-id`,
 *   `ce-source`, `ce-type`, `ce-time`, `ce-datacontenttype` (SQS has no content-type property), so
 *   a CloudEvents consumer reading the queue with the AWS SDK sees a binary-mode CloudEvent;
 * - the other envelope attributes (`ce-subject`, `ce-correlationid`, `ce-causationid`,
 *   `ce-partitionkey`) ride natively too when the budget of 10 allows, otherwise packed as one
 *   JSON attribute `omnibus-envelope` with the `ce-` prefix dropped (`{"subject":…}`); messages
 *   written before this mapping carry every envelope attribute that way and are still read;
 * - user headers ride as native String attributes when all of them fit (valid names, non-empty
 *   values, within what the budget leaves), so SQS consoles and SNS filter policies see them;
 *   otherwise all of them go packed as one JSON attribute `omnibus-headers`;
 * - a copy the transport re-sends in place of a redelivery (see `sqs-consumer.ts`) carries
 *   `omnibus-attempt-base`, the attempts made before it, so `attempt` keeps counting across copies.
 *
 * The body is the message's UTF-8 JSON, verbatim. `fromWire` restores the attributes exactly.
 */
export const ENVELOPE_ATTRIBUTE = 'omnibus-envelope';
export const HEADERS_ATTRIBUTE = 'omnibus-headers';
export const ATTEMPT_BASE_ATTRIBUTE = 'omnibus-attempt-base';
/** The key under which an event emitted through EventBridge carries its attributes (see `event-entry.ts`). */
export const EVENT_ATTRIBUTES_KEY = '~omnibus';

const CE = 'ce-';
const MAX_ATTRIBUTES = 10;
const CONTENT_TYPE_ATTRIBUTE = 'content-type';
const STRING = 'String';
/** The envelope attributes that always ride natively: a CloudEvents reader needs them. */
const CORE_ATTRIBUTES = new Set([
  'ce-specversion',
  'ce-id',
  'ce-source',
  'ce-type',
  'ce-time',
  'ce-datacontenttype',
]);

export interface WireAttribute {
  DataType: string;
  StringValue?: string;
}

export interface WireMessage {
  readonly body: string;
  readonly attributes: Record<string, WireAttribute>;
  /** Bytes as SQS/SNS count them: body, attribute names, types and values. */
  readonly size: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function toWire(message: EncodedMessage, attemptBase = 0): WireMessage {
  const core: Record<string, string> = {};
  const extra: Record<string, string> = {};
  const headers: Record<string, string> = {};
  let coreCount = 0;
  let extraCount = 0;
  let headerCount = 0;
  let nativeHeaders = true;
  for (const name in message.attributes) {
    const value = message.attributes[name]!;
    if (name.startsWith(CE)) {
      if (CORE_ATTRIBUTES.has(name) && value !== '') {
        core[name] = value;
        coreCount++;
      } else {
        extra[name] = value;
        extraCount++;
      }
    } else {
      headers[name] = value;
      headerCount++;
      if (value === '' || !isNativeName(name)) nativeHeaders = false;
    }
  }
  const attributes: Record<string, WireAttribute> = {};
  // A foreign message being dead-lettered has no ce-id: keep the id it was delivered with, packed,
  // so the dead letter does not pose as a CloudEvent it never was.
  const packedId = core['ce-id'] === undefined;
  // SQS and SNS have no content-type property: a content type of its own (structured mode, a
  // foreign message's) is the `content-type` attribute, unless the message already carries one.
  const contentType =
    message.contentType !== undefined && !hasAttribute(message.attributes, CONTENT_TYPE_ATTRIBUTE)
      ? message.contentType
      : undefined;
  let budget = MAX_ATTRIBUTES - coreCount - (attemptBase > 0 ? 1 : 0) - (contentType === undefined ? 0 : 1);
  const extraNative =
    !packedId &&
    Object.entries(extra).every(([name, value]) => value !== '' && isNativeName(name)) &&
    extraCount + (headerCount > 0 ? 1 : 0) <= budget;
  for (const name in core) attributes[name] = { DataType: STRING, StringValue: core[name]! };
  if (extraNative) {
    for (const name in extra) attributes[name] = { DataType: STRING, StringValue: extra[name]! };
    budget -= extraCount;
  } else if (extraCount > 0 || packedId) {
    const packed: Record<string, string> = {};
    for (const name in extra) packed[name.slice(CE.length)] = extra[name]!;
    if (packedId) packed.id = message.id;
    attributes[ENVELOPE_ATTRIBUTE] = { DataType: STRING, StringValue: JSON.stringify(packed) };
    budget -= 1;
  }
  if (nativeHeaders && headerCount <= budget) {
    for (const name in headers) attributes[name] = { DataType: STRING, StringValue: headers[name]! };
  } else {
    attributes[HEADERS_ATTRIBUTE] = { DataType: STRING, StringValue: JSON.stringify(headers) };
  }
  if (attemptBase > 0)
    attributes[ATTEMPT_BASE_ATTRIBUTE] = { DataType: STRING, StringValue: String(attemptBase) };
  if (contentType !== undefined)
    attributes[CONTENT_TYPE_ATTRIBUTE] = { DataType: STRING, StringValue: contentType };
  const body = decoder.decode(message.body);
  let size = message.body.byteLength;
  for (const name in attributes)
    size += name.length + STRING.length + Buffer.byteLength(attributes[name]!.StringValue!);
  return { body, attributes, size };
}

/**
 * Restores an `EncodedMessage` from what SQS delivered. A message without the envelope attribute
 * is either an event routed by EventBridge (its body is the wrapped event, unwrapped here) or a
 * foreign message, delivered with the attributes it has so core can dead-letter it as undecodable.
 */
export function fromWire(
  body: string,
  wireAttributes: Readonly<Record<string, { StringValue?: string | undefined }>> | undefined,
  fallbackId: string,
): EncodedMessage {
  return fromWireWithBase(body, wireAttributes, fallbackId).message;
}

/** `fromWire`, plus the attempts made before this copy (0 for an original). */
export function fromWireWithBase(
  body: string,
  wireAttributes: Readonly<Record<string, { StringValue?: string | undefined }>> | undefined,
  fallbackId: string,
): { message: EncodedMessage; attemptBase: number } {
  const attemptBase = Math.max(0, Number(wireAttributes?.[ATTEMPT_BASE_ATTRIBUTE]?.StringValue ?? 0) || 0);
  return { message: decodeWire(body, wireAttributes, fallbackId), attemptBase };
}

function decodeWire(
  body: string,
  wireAttributes: Readonly<Record<string, { StringValue?: string | undefined }>> | undefined,
  fallbackId: string,
): EncodedMessage {
  const packed = wireAttributes?.[ENVELOPE_ATTRIBUTE]?.StringValue;
  if (packed === undefined && wireAttributes?.['ce-id'] === undefined) {
    const event = unwrapEvent(body);
    if (event) return event;
  }
  const attributes: Record<string, string> = {};
  if (packed !== undefined) {
    const envelope = parseObject(packed);
    if (envelope) for (const name in envelope) attributes[CE + name] = String(envelope[name]);
  }
  if (wireAttributes) {
    for (const name in wireAttributes) {
      if (name === ENVELOPE_ATTRIBUTE || name === ATTEMPT_BASE_ATTRIBUTE) continue;
      const value = wireAttributes[name]?.StringValue;
      if (name === HEADERS_ATTRIBUTE && value !== undefined) {
        const headers = parseObject(value);
        if (headers) for (const header in headers) attributes[header] = String(headers[header]);
      } else if (value !== undefined) {
        attributes[name] = value;
      }
    }
  }
  return build(attributes, encoder.encode(body), fallbackId);
}

function unwrapEvent(body: string): EncodedMessage | undefined {
  if (!body.startsWith('{') || !body.includes(EVENT_ATTRIBUTES_KEY)) return undefined;
  const detail = parseObject(body);
  const carried = detail?.[EVENT_ATTRIBUTES_KEY];
  if (!detail || carried === null || typeof carried !== 'object' || !('data' in detail)) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(carried)) attributes[name] = String(value);
  return build(attributes, encoder.encode(JSON.stringify(detail.data)), '');
}

function build(attributes: Record<string, string>, body: Uint8Array, fallbackId: string): EncodedMessage {
  const id = attributes['ce-id'] ?? fallbackId;
  const key = attributes['ce-partitionkey'];
  return key === undefined ? { id, attributes, body } : { id, key, attributes, body };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** SQS and SNS attribute names: `[A-Za-z0-9_.-]`, ≤256, no leading/trailing/double dot, no AWS./Amazon. prefix. */
function isNativeName(name: string): boolean {
  return (
    name.length <= 256 &&
    /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/.test(name) &&
    !name.includes('..') &&
    !/^(aws|amazon)\./i.test(name) &&
    name !== ENVELOPE_ATTRIBUTE &&
    name !== HEADERS_ATTRIBUTE &&
    name !== ATTEMPT_BASE_ATTRIBUTE
  );
}

function hasAttribute(attributes: Readonly<Record<string, string>>, lowerName: string): boolean {
  for (const name in attributes) if (name.toLowerCase() === lowerName) return true;
  return false;
}
