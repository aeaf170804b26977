import { DecodeError } from '../../errors/index.js';
import type { EncodedMessage } from '../encoded-message.js';
import type { Message } from '../message.js';
import { messageFromCloudEvent } from './cloudevent-attributes.js';
import { contentTypeOf, isContentTypeName, mediaTypeEssence } from './content-type-of.js';
import { asObject, parseJsonBody } from './parse-json-body.js';
import { hasBinaryModePrefix } from './recognise-cloudevents-binary.js';

const CLOUDEVENTS_MEDIA_TYPE = 'application/cloudevents';
const JSON_FORMAT = 'application/cloudevents+json';
const BATCH_FORMAT = 'application/cloudevents-batch+json';

/**
 * Recognises a CloudEvent in structured content mode, JSON event format: the body is the whole
 * event (`{ specversion, id, source, type, …, data | data_base64 }`).
 *
 * - With a content type of `application/cloudevents+json` the body must be such an event, or the
 *   message is a `DecodeError`. Other CloudEvents formats (Avro, Protobuf) and the batched
 *   content mode (`application/cloudevents-batch+json`, which only the HTTP binding defines;
 *   no broker binding does) are `DecodeError`s naming the format.
 * - Without any content type (SQS and SNS carry none), a body that is a JSON object with a string
 *   `specversion`, `id`, `source` and `type` is taken as a structured CloudEvent.
 *
 * Returns `undefined` when the message is not one.
 */
export function recogniseCloudEventsStructured(
  encoded: EncodedMessage,
  attempt: number,
): Message | undefined {
  const contentType = contentTypeOf(encoded);
  const essence = mediaTypeEssence(contentType);
  if (essence?.startsWith(CLOUDEVENTS_MEDIA_TYPE)) {
    if (essence === BATCH_FORMAT) {
      throw new DecodeError(
        `The message is a CloudEvents batch (${BATCH_FORMAT}); batched content mode is defined only for HTTP, consume it with envelope: 'raw'.`,
      );
    }
    if (essence !== JSON_FORMAT) {
      throw new DecodeError(
        `The message is a CloudEvent in the event format '${essence.slice(0, 60)}'; only ${JSON_FORMAT} is read.`,
      );
    }
    const event = asObject(parseJsonBody(encoded.body)?.value);
    if (!event) throw new DecodeError(`The body of a ${JSON_FORMAT} message is not a JSON object.`);
    return fromEvent(event, encoded, attempt);
  }
  if (essence !== undefined && essence !== 'application/json' && essence !== 'text/plain') return undefined;
  const event = looksLikeEvent(encoded.body);
  return event ? fromEvent(event, encoded, attempt) : undefined;
}

function looksLikeEvent(body: Uint8Array): Record<string, unknown> | undefined {
  // '{' first: cheap rejection of anything that is not a JSON object before parsing it.
  if (body.byteLength < 2 || body[0] !== 0x7b) return undefined;
  const event = asObject(parseJsonBody(body)?.value);
  if (!event) return undefined;
  const required = ['specversion', 'id', 'source', 'type'];
  return required.every((name) => typeof event[name] === 'string') ? event : undefined;
}

function fromEvent(event: Record<string, unknown>, encoded: EncodedMessage, attempt: number): Message {
  const context: Record<string, string> = {};
  for (const name in event) {
    if (name === 'data' || name === 'data_base64') continue;
    const value = event[name];
    // Context attributes are strings, integers, booleans (or null for "absent") in the JSON format.
    if (typeof value === 'string') context[name.toLowerCase()] = value;
    else if (typeof value === 'number' || typeof value === 'boolean')
      context[name.toLowerCase()] = String(value);
  }
  let data: unknown = null;
  if (typeof event.data_base64 === 'string') {
    data = Uint8Array.from(Buffer.from(event.data_base64, 'base64'));
  } else if ('data' in event) {
    data = event.data;
  }
  const headers: Record<string, string> = {};
  for (const name in encoded.attributes) {
    // Binary-mode copies of the context (which the bindings allow beside a structured body) are
    // not headers: the body is the event.
    if (!isContentTypeName(name) && !hasBinaryModePrefix(name)) headers[name] = encoded.attributes[name]!;
  }
  return messageFromCloudEvent(context, data, headers, attempt, 'structured');
}
