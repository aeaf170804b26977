import { randomUUID } from 'node:crypto';
import {
  type AmqpTyped,
  amqpMessageCodec,
  amqpTypes,
  decodeTyped,
  encodeTyped,
  plainValue,
  typedMap,
  typedMapEntries,
} from './amqp-codec.js';
import { skipAmqpValue } from './skip-amqp-value.js';

/** The AMQP header fields Service Bus keeps (delivery-count is the broker's, so it is not here). */
export interface HeaderFields {
  durable: boolean;
  priority: number;
  /** Time to live in milliseconds, when the sender set one. */
  ttlMs: number | undefined;
  firstAcquirer: boolean;
}

/**
 * A message as sent, split into its sections. It is immutable and shared by every copy a topic fans
 * out; a change (a rule action, a dead-letter reason) makes a new content via {@link editContent}.
 * Sections the broker never changes are kept as the sender's bytes.
 */
export interface MessageContent {
  readonly header: HeaderFields;
  /** The sender's message annotations, typed (`x-opt-*` stamps are added per delivery). */
  readonly annotations: ReadonlyArray<readonly [AmqpTyped, AmqpTyped]>;
  /** The properties section decoded the way rhea names its fields (`message_id`, `group_id`, …). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly propertiesSection: Buffer | undefined;
  readonly applicationPropertiesSection: Buffer | undefined;
  /** Body sections and footer, byte for byte. */
  readonly bodySections: Buffer;
  /** Encoded size, used for `max_message_size` and `sys.Size`. */
  readonly size: number;
}

const HEADER = 0x70;
const DELIVERY_ANNOTATIONS = 0x71;
const MESSAGE_ANNOTATIONS = 0x72;
const PROPERTIES = 0x73;
const APPLICATION_PROPERTIES = 0x74;

const symbolicDescriptors: Record<string, number> = {
  'amqp:header:list': HEADER,
  'amqp:delivery-annotations:map': DELIVERY_ANNOTATIONS,
  'amqp:message-annotations:map': MESSAGE_ANNOTATIONS,
  'amqp:properties:list': PROPERTIES,
  'amqp:application-properties:map': APPLICATION_PROPERTIES,
};

const propertyFieldNames = [
  'message_id',
  'user_id',
  'to',
  'subject',
  'reply_to',
  'correlation_id',
  'content_type',
  'content_encoding',
  'absolute_expiry_time',
  'creation_time',
  'group_id',
  'group_sequence',
  'reply_to_group_id',
] as const;

/** Reads the section code of the described value at `offset` (numeric or symbolic descriptor). */
function sectionCodeAt(bytes: Buffer, offset: number): number {
  if (bytes[offset] !== 0x00) throw new RangeError('message section is not a described value');
  const descriptorCode = bytes[offset + 1];
  if (descriptorCode === 0x53) return bytes[offset + 2]!;
  if (descriptorCode === 0x80) return Number(bytes.readBigUInt64BE(offset + 2));
  const descriptor = plainValue(decodeTyped(bytes.subarray(offset + 1)));
  return symbolicDescriptors[String(descriptor)] ?? 0x75;
}

/**
 * Splits encoded message bytes into a {@link MessageContent}. A message without a message-id gets
 * one, because the SDK's lock renewer needs it on every received message.
 */
export function parseMessageContent(bytes: Buffer): MessageContent {
  let header: HeaderFields = { durable: false, priority: 4, ttlMs: undefined, firstAcquirer: false };
  let annotations: Array<[AmqpTyped, AmqpTyped]> = [];
  let propertiesSection: Buffer | undefined;
  let applicationPropertiesSection: Buffer | undefined;
  let bodyStart = bytes.length;
  let offset = 0;
  while (offset < bytes.length) {
    const code = sectionCodeAt(bytes, offset);
    if (code >= 0x75) {
      bodyStart = offset;
      break;
    }
    const end = skipAmqpValue(bytes, offset);
    const section = bytes.subarray(offset, end);
    if (code === HEADER) header = decodeHeader(section);
    else if (code === MESSAGE_ANNOTATIONS) annotations = typedMapEntries(decodeTyped(section));
    else if (code === PROPERTIES) propertiesSection = section;
    else if (code === APPLICATION_PROPERTIES) applicationPropertiesSection = section;
    // Delivery annotations belong to one hop and are dropped, as a broker should.
    offset = end;
  }
  let properties = propertiesSection ? decodeProperties(propertiesSection) : {};
  if (properties.message_id === undefined || properties.message_id === null) {
    properties = { ...properties, message_id: randomUUID().replaceAll('-', '') };
    propertiesSection = encodeProperties(properties);
  }
  const content: MessageContent = {
    header,
    annotations,
    properties,
    propertiesSection,
    applicationPropertiesSection,
    bodySections: bytes.subarray(bodyStart),
    size: 0,
  };
  return { ...content, size: sizeOf(content) };
}

function decodeHeader(section: Buffer): HeaderFields {
  const decoded = amqpMessageCodec.decode(section);
  return {
    durable: decoded.durable === true,
    priority: typeof decoded.priority === 'number' ? decoded.priority : 4,
    ttlMs: typeof decoded.ttl === 'number' ? decoded.ttl : undefined,
    firstAcquirer: decoded.first_acquirer === true,
  };
}

function decodeProperties(section: Buffer): Record<string, unknown> {
  const decoded = amqpMessageCodec.decode(section);
  const properties: Record<string, unknown> = {};
  for (const name of propertyFieldNames) {
    if (decoded[name] !== undefined && decoded[name] !== null) properties[name] = decoded[name];
  }
  return properties;
}

function encodeProperties(properties: Record<string, unknown>): Buffer {
  return encodeTyped(amqpMessageCodec.properties(properties).described());
}

function sizeOf(content: MessageContent): number {
  return (
    (content.propertiesSection?.length ?? 0) +
    (content.applicationPropertiesSection?.length ?? 0) +
    content.bodySections.length
  );
}

/** The application properties as typed entries (empty when the section is absent). */
export function applicationPropertyEntries(content: MessageContent): Array<[AmqpTyped, AmqpTyped]> {
  return content.applicationPropertiesSection
    ? typedMapEntries(decodeTyped(content.applicationPropertiesSection))
    : [];
}

/** What {@link editContent} may change. */
export interface ContentEdits {
  /** Set (a value) or remove (`undefined`) application properties. Keys match exactly. */
  applicationProperties?: ReadonlyMap<string, AmqpTyped | undefined>;
  /** Replace properties-section fields (rhea field names). */
  properties?: Readonly<Record<string, unknown>>;
}

/** Returns new content with the edits applied; untouched sections keep their bytes. */
export function editContent(content: MessageContent, edits: ContentEdits): MessageContent {
  let { applicationPropertiesSection, propertiesSection, properties } = content;
  if (edits.applicationProperties && edits.applicationProperties.size > 0) {
    const entries = applicationPropertyEntries(content).filter(
      ([key]) => !edits.applicationProperties!.has(String(key.value)),
    );
    for (const [name, value] of edits.applicationProperties) {
      if (value !== undefined) entries.push([amqpTypes.wrap_string(name), value]);
    }
    applicationPropertiesSection = encodeTyped(
      amqpTypes.described(amqpTypes.wrap_ulong(APPLICATION_PROPERTIES), typedMap(entries)),
    );
  }
  if (edits.properties) {
    properties = { ...properties, ...edits.properties };
    propertiesSection = encodeProperties(properties);
  }
  const edited = { ...content, applicationPropertiesSection, propertiesSection, properties };
  return { ...edited, size: sizeOf(edited) };
}

/** Broker-side values stamped onto each transfer of a message. */
export interface DeliveryStamp {
  deliveryCount: number;
  /** `x-opt-*` annotations, replacing any the sender set under the same keys. */
  annotations: ReadonlyArray<readonly [string, AmqpTyped]>;
}

/** Encodes the message for a transfer (or a `$management` response) with broker stamps. */
export function encodeForTransfer(content: MessageContent, stamp: DeliveryStamp): Buffer {
  const { header } = content;
  const headerSection = amqpTypes.described(
    amqpTypes.wrap_ulong(HEADER),
    amqpTypes.wrap_list([
      amqpTypes.wrap_boolean(header.durable),
      amqpTypes.wrap_ubyte(header.priority),
      header.ttlMs === undefined ? amqpTypes.Null() : amqpTypes.wrap_uint(header.ttlMs),
      amqpTypes.wrap_boolean(header.firstAcquirer),
      // Always explicit: rhea leaves a default 0 out and the SDK would then read `undefined`.
      amqpTypes.wrap_uint(stamp.deliveryCount),
    ]),
  );
  const stampedKeys = new Set(stamp.annotations.map(([key]) => key));
  const annotationEntries: Array<readonly [AmqpTyped, AmqpTyped]> = content.annotations.filter(
    ([key]) => !stampedKeys.has(String(key.value)),
  );
  for (const [key, value] of stamp.annotations) annotationEntries.push([amqpTypes.wrap_symbol(key), value]);
  // One writer for both broker-written sections: a delivery is on the hot path.
  const writer = new amqpTypes.Writer();
  writer.write(headerSection);
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(MESSAGE_ANNOTATIONS), typedMap(annotationEntries)));
  const parts = [writer.toBuffer()];
  if (content.propertiesSection) parts.push(content.propertiesSection);
  if (content.applicationPropertiesSection) parts.push(content.applicationPropertiesSection);
  parts.push(content.bodySections);
  return Buffer.concat(parts);
}

/** Reads one of the sender's annotations as a plain value. */
export function annotationValue(content: MessageContent, key: string): unknown {
  const entry = content.annotations.find(([candidate]) => candidate.value === key);
  return entry ? plainValue(entry[1]) : undefined;
}
