import type { EncodedMessage } from '../encoded-message.js';

/**
 * The native content type of a delivered message: the broker's own property where it has one
 * (AMQP `content-type`, filled in by the transport), otherwise a `Content-Type` attribute (the
 * Pub/Sub binding's attribute; SQS and SNS have no property), matched case-insensitively.
 */
export function contentTypeOf(encoded: EncodedMessage): string | undefined {
  if (encoded.contentType !== undefined) return encoded.contentType;
  const attributes = encoded.attributes;
  for (const name in attributes) {
    if (name.length === 12 && name.toLowerCase() === 'content-type') return attributes[name];
  }
  return undefined;
}

/** Whether an attribute is the native content type (never a user header of a foreign message). */
export function isContentTypeName(name: string): boolean {
  return name.length === 12 && name.toLowerCase() === 'content-type';
}

/** The media type without parameters, lower case: `application/cloudevents+json`. */
export function mediaTypeEssence(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Whether a content type is a CloudEvents event format (`application/cloudevents…`). */
export function isCloudEventsContentType(contentType: string | undefined): boolean {
  return mediaTypeEssence(contentType)?.startsWith('application/cloudevents') === true;
}
