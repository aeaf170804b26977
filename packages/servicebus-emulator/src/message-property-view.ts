import { type AmqpTyped, plainValue } from './amqp-codec.js';
import { annotationValue, applicationPropertyEntries, type MessageContent } from './message-content.js';

/**
 * A value as filters see it. Integral AMQP numbers become `bigint` (Service Bus evaluates them as
 * `long`), floating ones `number` (`double`), so `7 / 2` and `7.0 / 2` differ as they do there.
 */
export type FilterValue = string | bigint | number | boolean | Date | Buffer | null;

const integralTypes = new Set([
  'Ubyte',
  'Byte',
  'Ushort',
  'Short',
  'Uint',
  'SmallUint',
  'Uint0',
  'Int',
  'SmallInt',
  'Ulong',
  'SmallUlong',
  'Ulong0',
  'Long',
  'SmallLong',
]);

/** Converts a typed AMQP value to a {@link FilterValue}. */
export function filterValueOf(typed: AmqpTyped): FilterValue {
  const value = plainValue(typed);
  if (value === undefined || value === null) return null;
  if (integralTypes.has(typed.type.name)) {
    if (typeof value === 'number') return BigInt(value);
    if (Buffer.isBuffer(value) && value.length === 8) {
      return typed.type.name === 'Ulong' ? value.readBigUInt64BE() : value.readBigInt64BE();
    }
  }
  return toFilterValue(value);
}

/** Converts a plain JavaScript value (from rhea or from a rule definition) to a {@link FilterValue}. */
export function toFilterValue(value: unknown): FilterValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  return String(value);
}

type SystemPropertyReader = (content: MessageContent) => unknown;

const fromProperties =
  (field: string): SystemPropertyReader =>
  (content) =>
    content.properties[field];

/** System properties a filter may name with `sys.` (case-insensitive), as .NET's Message exposes them. */
const systemProperties: Record<string, SystemPropertyReader> = {
  messageid: fromProperties('message_id'),
  correlationid: fromProperties('correlation_id'),
  to: fromProperties('to'),
  replyto: fromProperties('reply_to'),
  label: fromProperties('subject'),
  subject: fromProperties('subject'),
  sessionid: fromProperties('group_id'),
  replytosessionid: fromProperties('reply_to_group_id'),
  contenttype: fromProperties('content_type'),
  size: (content) => content.size,
  timetolive: (content) => content.header.ttlMs,
  scheduledenqueuetimeutc: (content) => annotationValue(content, 'x-opt-scheduled-enqueue-time'),
  partitionkey: (content) => annotationValue(content, 'x-opt-partition-key'),
  // Known to Service Bus but assigned per subscription after routing, so null while filtering.
  sequencenumber: () => null,
  enqueuedtimeutc: () => null,
  deliverycount: () => null,
  lockeduntilutc: () => null,
  locktoken: () => null,
  expiresatutc: () => null,
  enqueuedsequencenumber: () => null,
  deadlettersource: () => null,
};

/** Whether `name` is a system property (so `sys.<name>` is valid). */
export function isSystemProperty(name: string): boolean {
  return Object.hasOwn(systemProperties, name.toLowerCase());
}

/** Maps a writable `sys.` property to its properties-section field (for SQL `SET`). */
export const writableSystemProperties: Record<string, string> = {
  messageid: 'message_id',
  correlationid: 'correlation_id',
  to: 'to',
  replyto: 'reply_to',
  label: 'subject',
  subject: 'subject',
  sessionid: 'group_id',
  replytosessionid: 'reply_to_group_id',
  contenttype: 'content_type',
};

/** Read access to one message's properties, for filters and rule actions. */
export interface MessagePropertyView {
  /** A system property's value (`null` when unset). */
  system(name: string): FilterValue;
  /** A user property: `undefined` when absent (SQL "unknown"), else its value. Names are case-insensitive. */
  user(name: string): FilterValue | undefined;
  /** The user property's exact stored name, if present. */
  userPropertyName(name: string): string | undefined;
}

/** Builds a {@link MessagePropertyView}; user properties are decoded once, on first use. */
export function createMessagePropertyView(content: MessageContent): MessagePropertyView {
  let user: Map<string, { name: string; value: FilterValue }> | undefined;
  const userProperties = () => {
    if (!user) {
      user = new Map();
      for (const [key, value] of applicationPropertyEntries(content)) {
        const name = String(key.value);
        user.set(name.toLowerCase(), { name, value: filterValueOf(value) });
      }
    }
    return user;
  };
  return {
    system(name) {
      const reader = systemProperties[name.toLowerCase()];
      return reader ? toFilterValue(reader(content)) : null;
    },
    user(name) {
      return userProperties().get(name.toLowerCase())?.value;
    },
    userPropertyName(name) {
      return userProperties().get(name.toLowerCase())?.name;
    },
  };
}
