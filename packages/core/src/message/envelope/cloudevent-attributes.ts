import { DecodeError } from '../../errors/index.js';
import type { Message } from '../message.js';

/**
 * The CloudEvents 1.0 context attributes the envelope maps onto its own fields. Every other
 * attribute of a CloudEvent is an extension.
 */
const SPEC_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
]);

/** Omnibus's own extension attributes, mapped onto envelope fields rather than headers. */
const ENVELOPE_EXTENSIONS: Readonly<Record<string, 'correlationId' | 'causationId' | 'key'>> = {
  correlationid: 'correlationId',
  causationid: 'causationId',
  partitionkey: 'key',
};

/**
 * Builds a message from the context attributes of a CloudEvent (names without any binding
 * prefix, lower case) and its data, whichever content mode carried them. Extension attributes
 * become headers under their own names; native headers given in `headers` win over an
 * extension of the same name. Throws `DecodeError` when a required attribute is missing or the
 * spec version is not 1.x.
 */
export function messageFromCloudEvent(
  context: Readonly<Record<string, string>>,
  data: unknown,
  headers: Record<string, string>,
  attempt: number,
  mode: string,
): Message {
  const specversion = context.specversion;
  if (specversion === undefined || !/^1(\.\d+)?$/.test(specversion)) {
    throw new DecodeError(
      `The CloudEvent (${mode} mode) has specversion ${specversion === undefined ? '(none)' : `'${specversion.slice(0, 20)}'`}; only CloudEvents 1.x is read.`,
    );
  }
  for (const required of ['id', 'source', 'type'] as const) {
    if (!context[required]) {
      throw new DecodeError(`The CloudEvent (${mode} mode) has no '${required}' attribute; it is required.`);
    }
  }
  const message: Message = {
    id: context.id!,
    type: context.type!,
    source: context.source!,
    time: context.time ?? '',
    data,
    headers,
    attempt,
  };
  if (context.subject !== undefined) message.subject = context.subject;
  for (const name in context) {
    if (SPEC_ATTRIBUTES.has(name)) continue;
    const field = ENVELOPE_EXTENSIONS[name];
    if (field !== undefined) message[field] = context[name]!;
    else if (!(name in headers)) headers[name] = context[name]!;
  }
  return message;
}
