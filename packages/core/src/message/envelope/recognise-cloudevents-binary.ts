import { DecodeError } from '../../errors/index.js';
import type { EncodedMessage } from '../encoded-message.js';
import type { Message } from '../message.js';
import { messageFromCloudEvent } from './cloudevent-attributes.js';
import { contentTypeOf, isContentTypeName } from './content-type-of.js';
import { bodyBuffer, isJsonMediaType, isTextMediaType, parseJsonBody } from './parse-json-body.js';

/**
 * The attribute prefixes of the CloudEvents protocol bindings' binary content mode: `ce-` (HTTP,
 * Pub/Sub), `ce_` (Kafka), `cloudEvents:` (AMQP) and `cloudEvents_` (the AMQP form JMS-based
 * brokers use). Compared case-insensitively, as the HTTP and Pub/Sub bindings require.
 */
export const BINARY_MODE_PREFIXES = ['ce-', 'ce_', 'cloudevents:', 'cloudevents_'] as const;

/**
 * Recognises a CloudEvent in binary content mode: the context attributes are native attributes
 * under one binding prefix (the first prefix under which a `specversion` is found), the body is
 * the data. `datacontenttype` is the prefixed attribute or, as the AMQP and Pub/Sub bindings map
 * it, the native content type. JSON data is parsed (and data declared JSON
 * that does not parse is a `DecodeError`), `text/*` data is a string, anything else is handed
 * over as bytes; without a declared type, data is JSON when it parses and bytes otherwise. Returns `undefined` when no prefix carries a `specversion`.
 */
export function recogniseCloudEventsBinary(encoded: EncodedMessage, attempt: number): Message | undefined {
  const attributes = encoded.attributes;
  const prefix = findPrefix(attributes);
  if (prefix === undefined) return undefined;
  const context: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const name in attributes) {
    const value = attributes[name]!;
    if (name.length > prefix.length && name.slice(0, prefix.length).toLowerCase() === prefix) {
      context[name.slice(prefix.length).toLowerCase()] = value;
    } else if (!isContentTypeName(name)) {
      headers[name] = value;
    }
  }
  const contentType = context.datacontenttype ?? contentTypeOf(encoded);
  if (contentType !== undefined) context.datacontenttype = contentType;
  return messageFromCloudEvent(
    context,
    dataOf(encoded.body, contentType, context.id),
    headers,
    attempt,
    'binary',
  );
}

/** Whether an attribute name starts with one of the binary-mode prefixes. */
export function hasBinaryModePrefix(name: string): boolean {
  const lower = name.slice(0, 12).toLowerCase();
  return BINARY_MODE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

function findPrefix(attributes: Readonly<Record<string, string>>): string | undefined {
  for (const name in attributes) {
    const lower = name.toLowerCase();
    if (!lower.endsWith('specversion')) continue;
    const prefix = lower.slice(0, -'specversion'.length);
    if ((BINARY_MODE_PREFIXES as readonly string[]).includes(prefix)) return prefix;
  }
  return undefined;
}

function dataOf(body: Uint8Array, contentType: string | undefined, id: string | undefined): unknown {
  if (body.byteLength === 0) return null;
  if (contentType === undefined) {
    // No declared type: JSON when it parses as JSON, the bytes otherwise.
    const parsed = parseJsonBody(body);
    return parsed ? parsed.value : Uint8Array.from(body);
  }
  if (isJsonMediaType(contentType)) {
    const parsed = parseJsonBody(body);
    if (!parsed) {
      throw new DecodeError(
        `The data of CloudEvent ${id ?? '(no id)'} is declared ${contentType} but is not valid UTF-8 JSON.`,
      );
    }
    return parsed.value;
  }
  if (isTextMediaType(contentType)) return bodyBuffer(body).toString('utf8');
  return Uint8Array.from(body);
}
