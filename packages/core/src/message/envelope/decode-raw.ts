import { createHash } from 'node:crypto';
import type { EncodedMessage } from '../encoded-message.js';
import type { RawMessage } from './envelope-mode.js';
import { parseJsonBody } from './parse-json-body.js';

/** The message a consumer with `envelope: 'raw'` hands its handler (see `RawMessage`). */
export function decodeRaw(encoded: EncodedMessage, attempt: number): RawMessage {
  const body = encoded.body;
  const parsed = parseJsonBody(body);
  const message: RawMessage = {
    envelope: 'raw',
    id: encoded.id || derivedId(encoded),
    type: '',
    source: '',
    time: '',
    data: parsed ? parsed.value : Uint8Array.from(body),
    body,
    headers: { ...encoded.attributes },
    attempt,
  };
  if (encoded.key !== undefined) message.key = encoded.key;
  return message;
}

// A message without any id (an AMQP 0-9-1 publish without message_id) still needs one that is the
// same on every redelivery, or retries and idempotency would see a new message each time.
function derivedId(encoded: EncodedMessage): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(encoded.attributes).sort()) {
    hash.update(name).update('\0').update(encoded.attributes[name]!).update('\0');
  }
  hash.update(encoded.body);
  return `sha256:${hash.digest('hex')}`;
}
