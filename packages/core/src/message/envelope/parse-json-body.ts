import { isUtf8 } from 'node:buffer';

/** The body as a Buffer view (no copy). */
export function bodyBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The body parsed as UTF-8 JSON, or `undefined` when it is not UTF-8 or not JSON. Invalid bytes are
 * refused explicitly: `Buffer#toString` would silently replace them with U+FFFD.
 */
export function parseJsonBody(body: Uint8Array): { value: unknown } | undefined {
  const bytes = bodyBuffer(body);
  if (!isUtf8(bytes)) return undefined;
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return undefined;
  }
}

/** Whether a media type says JSON: `application/json`, `text/json` or any `+json` suffix. */
export function isJsonMediaType(mediaType: string): boolean {
  // What Omnibus itself sends, checked before splitting and lower-casing a copy.
  if (mediaType === 'application/json') return true;
  const essence = mediaType.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json' || essence === 'text/json' || essence.endsWith('+json');
}

/** Whether a media type is text (`text/*`), so CloudEvents data is handed over as a string. */
export function isTextMediaType(mediaType: string): boolean {
  return mediaType.trim().toLowerCase().startsWith('text/');
}

/** A plain JSON object (not null, not an array), or `undefined`. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
