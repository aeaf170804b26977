import type { EncodedMessage } from '../encoded-message.js';
import type { Message } from '../message.js';
import { isContentTypeName } from './content-type-of.js';
import { asObject, parseJsonBody } from './parse-json-body.js';

/**
 * Recognises an Amazon EventBridge event as a rule delivers it to a queue or topic (the whole
 * event, no input transformer): `{ version, id, "detail-type", source, account, time, region,
 * resources, detail }`, as AWS services (`aws.s3`, `aws.ec2`…) and other producers put them.
 *
 * The message gets `id`, `source`, `time` from the event, `type` from `detail-type` and `data`
 * from `detail`, the fields rule patterns name the same way. `account`, `region` and `resources`
 * are not mapped; read them with `envelope: 'raw'`. Returns `undefined` when the body is not one.
 */
export function recogniseEventBridgeEvent(encoded: EncodedMessage, attempt: number): Message | undefined {
  const body = encoded.body;
  if (body.byteLength < 2 || body[0] !== 0x7b) return undefined;
  const event = asObject(parseJsonBody(body)?.value);
  if (!event) return undefined;
  const id = event.id;
  const type = event['detail-type'];
  const source = event.source;
  if (typeof id !== 'string' || id === '' || typeof type !== 'string' || type === '') return undefined;
  if (typeof source !== 'string' || source === '' || !('detail' in event)) return undefined;
  const headers: Record<string, string> = {};
  for (const name in encoded.attributes) {
    if (!isContentTypeName(name)) headers[name] = encoded.attributes[name]!;
  }
  return {
    id,
    type,
    source,
    time: typeof event.time === 'string' ? event.time : '',
    data: event.detail,
    headers,
    attempt,
  };
}
