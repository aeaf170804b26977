import type { InvocationContext } from '@azure/functions';
import type { EncodedMessage } from '@omnibus/core/transport';
import { carriedAttempt, fromServiceBusMessage, type ReceivedMessageFields } from '../wire-message.js';

/** One message of a Service Bus trigger invocation, as the entry point hands it to the runtime. */
export interface TriggerMessage {
  readonly message: EncodedMessage;
  /** The carried attempt of a retry copy plus the deliveries Service Bus counted, this one included. */
  readonly attempt: number;
  /** The message as the host passed it, and its own trigger metadata. */
  readonly raw: { readonly body: unknown; readonly metadata: Readonly<Record<string, unknown>> };
}

/**
 * The messages of one invocation. With `cardinality: 'many'` the host passes an array of bodies
 * and the metadata of message `i` at index `i` of each `<name>Array` entry (`messageIdArray`,
 * `deliveryCountArray`, `applicationPropertiesArray`…); with `'one'`, one body and its metadata
 * under the plain names (`messageId`, `deliveryCount`, `applicationProperties`…).
 */
export function triggerMessages(input: unknown, context: InvocationContext, label: string): TriggerMessage[] {
  const metadata = context.triggerMetadata ?? {};
  if (!isBatch(context)) return [toTriggerMessage(input, metadata, label)];
  const bodies = Array.isArray(input) ? input : [input];
  return bodies.map((body, index) => toTriggerMessage(body, metadataAt(metadata, index), label));
}

function isBatch(context: InvocationContext): boolean {
  const cardinality = context.options?.trigger?.cardinality;
  if (cardinality === 'many') return true;
  if (cardinality === 'one') return false;
  return Array.isArray(context.triggerMetadata?.messageIdArray);
}

function metadataAt(metadata: Readonly<Record<string, unknown>>, index: number): Record<string, unknown> {
  const one: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (name.endsWith('Array') && Array.isArray(value)) one[name.slice(0, -'Array'.length)] = value[index];
  }
  return one;
}

function toTriggerMessage(
  body: unknown,
  metadata: Readonly<Record<string, unknown>>,
  label: string,
): TriggerMessage {
  const contentType = typeof metadata.contentType === 'string' ? metadata.contentType : undefined;
  const properties = (metadata.applicationProperties ?? metadata.userProperties ?? {}) as Record<
    string,
    unknown
  >;
  const fields: ReceivedMessageFields = {
    body: toBytes(body, contentType),
    applicationProperties: properties as ReceivedMessageFields['applicationProperties'],
    messageId: typeof metadata.messageId === 'string' ? metadata.messageId : undefined,
    ...(contentType !== undefined ? { contentType } : {}),
  };
  // The host's count includes this delivery (1 on the first); a retry copy carries where it left off.
  const delivered = Math.max(1, Number(metadata.deliveryCount) || 1);
  return {
    message: fromServiceBusMessage(fields, label, false),
    attempt: carriedAttempt(fields.applicationProperties) + delivered - 1,
    raw: { body, metadata },
  };
}

/**
 * The body bytes back from what the Node.js worker made of them: it passes binary as a Buffer and
 * text through `JSON.parse` when that succeeds. A JSON body is written again as JSON (a JSON string
 * included, which the worker turned into a plain string); other text is taken as it is.
 */
function toBytes(body: unknown, contentType: string | undefined): Uint8Array {
  if (body instanceof Uint8Array) return body;
  const json = contentType !== undefined && /[/+]json(\s*;|$)/i.test(contentType);
  if (typeof body === 'string' && !json) return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}
