import { MessageTooLargeError } from '../../errors/index.js';
import { encodedSize } from '../encode-message.js';
import type { EncodedMessage } from '../encoded-message.js';

/** The content type of a CloudEvent in structured content mode, JSON event format. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

const CE = 'ce-';

/**
 * Re-encodes an Omnibus message in CloudEvents structured content mode for consumers that expect
 * `application/cloudevents+json`: the body becomes the whole event (`{ specversion, id, source,
 * type, time, datacontenttype, …, data }`, every `ce-` attribute under its CloudEvents name) and
 * the content type says so. The attributes stay as they were, as the AMQP and Pub/Sub bindings
 * allow (§3.2.3 of each), so the transport keeps its ids, keys and filters. Throws
 * `MessageTooLargeError` when the larger body no longer fits, before any I/O.
 */
export function toStructuredMode(
  encoded: EncodedMessage,
  maxBytes: number,
  transport: string,
): EncodedMessage {
  const context: Record<string, string> = {};
  const attributes = encoded.attributes;
  for (const name in attributes) {
    if (name.startsWith(CE)) context[name.slice(CE.length)] = attributes[name]!;
  }
  const head = JSON.stringify(context);
  const data = Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength);
  // The data is already JSON text: spliced in rather than parsed and serialised again.
  const body = Buffer.concat([Buffer.from(`${head.slice(0, -1)},"data":`), data, Buffer.from('}')]);
  const structured: EncodedMessage = { ...encoded, body, contentType: STRUCTURED_CONTENT_TYPE };
  const size = encodedSize(structured) + STRUCTURED_CONTENT_TYPE.length;
  if (size > maxBytes) throw new MessageTooLargeError(size, maxBytes, { transport });
  return structured;
}
