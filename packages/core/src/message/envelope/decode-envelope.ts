import { DecodeError } from '../../errors/index.js';
import { decodeMessage } from '../encode-message.js';
import { Attribute, type EncodedMessage } from '../encoded-message.js';
import type { Message } from '../message.js';
import { contentTypeOf, isCloudEventsContentType } from './content-type-of.js';
import { decodeRaw } from './decode-raw.js';
import type { EnvelopeMode } from './envelope-mode.js';
import { isJsonMediaType } from './parse-json-body.js';
import { recogniseCloudEventsBinary } from './recognise-cloudevents-binary.js';
import { recogniseCloudEventsStructured } from './recognise-cloudevents-structured.js';
import { recogniseEventBridgeEvent } from './recognise-eventbridge-event.js';

/**
 * Decodes a delivery as the consumer's `envelope` mode says (see `EnvelopeMode`): the one place
 * the consumer runtime calls. Throws `DecodeError` for a message no recogniser accepts; the
 * consumer dead-letters it at once with the reason.
 */
export function decodeEnvelope(encoded: EncodedMessage, attempt: number, mode: EnvelopeMode): Message {
  if (mode === 'raw') return decodeRaw(encoded, attempt);
  const attributes = encoded.attributes;
  const contentType = contentTypeOf(encoded);
  // The bindings choose the mode by content type: a CloudEvents media type means structured.
  if (isCloudEventsContentType(contentType)) {
    return recogniseCloudEventsStructured(encoded, attempt)!;
  }
  // The fast path: what Omnibus itself sends (and any `ce-` CloudEvent with JSON data).
  if (
    attributes[Attribute.type] !== undefined &&
    attributes[Attribute.id] !== undefined &&
    isJsonMediaType(attributes[Attribute.contentType] ?? contentType ?? 'application/json')
  ) {
    return withExtensions(decodeMessage(encoded, attempt), attributes);
  }
  return (
    recogniseCloudEventsBinary(encoded, attempt) ??
    recogniseCloudEventsStructured(encoded, attempt) ??
    recogniseEventBridgeEvent(encoded, attempt) ??
    unrecognised(encoded)
  );
}

const ENVELOPE_ATTRIBUTES = new Set<string>(Object.values(Attribute));

/**
 * A foreign `ce-` CloudEvent may carry extension attributes Omnibus does not write (`ce-tenant`);
 * like the other recognisers, hand them over as headers under their own names.
 */
function withExtensions(message: Message, attributes: Readonly<Record<string, string>>): Message {
  for (const name in attributes) {
    // 'c', 'e', '-' by char code, as in userHeaders: this runs for every Omnibus message.
    if (name.charCodeAt(0) !== 99 || name.charCodeAt(1) !== 101 || name.charCodeAt(2) !== 45) continue;
    if (ENVELOPE_ATTRIBUTES.has(name)) continue;
    const extension = name.slice(3);
    if (!(extension in message.headers)) message.headers[extension] = attributes[name]!;
  }
  return message;
}

function unrecognised(encoded: EncodedMessage): never {
  const names = Object.keys(encoded.attributes);
  const shown =
    names.length === 0
      ? 'none'
      : names
          .slice(0, 8)
          .map((name) => name.slice(0, 40))
          .join(', ') + (names.length > 8 ? ', …' : '');
  throw new DecodeError(
    `The message is not an Omnibus message, a CloudEvent (binary or structured) or an EventBridge event (attributes: ${shown}); it was not sent by Omnibus or was altered. Consume foreign messages with envelope: 'raw'.`,
  );
}
