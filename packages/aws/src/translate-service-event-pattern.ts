import type { EventPattern } from '@omnibus/core';

/** Marks a pattern key with no place in an AWS service event: it can never be present. */
const ABSENT_PREFIX = '~absent~';
const AWS_SOURCE_PREFIX = 'aws.';

/**
 * Whether a rule pattern is about events AWS services emit (`aws.s3`, `aws.ec2`…): its `source`
 * admits only `aws.`-prefixed values (exact strings or a `prefix` starting with `aws.`). Such a
 * rule matches the events as AWS puts them on the bus, not the events Omnibus emits (which can
 * never have an `aws.` source: EventBridge refuses it to customers).
 */
export function isAwsServicePattern(pattern: EventPattern): boolean {
  const source = (pattern as Record<string, unknown>).source;
  if (!Array.isArray(source) || source.length === 0) return false;
  return source.every((value) => {
    if (typeof value === 'string') return value.startsWith(AWS_SOURCE_PREFIX);
    if (value !== null && typeof value === 'object' && 'prefix' in value) {
      const prefix = (value as { prefix: unknown }).prefix;
      return typeof prefix === 'string' && prefix.startsWith(AWS_SOURCE_PREFIX);
    }
    return false;
  });
}

/**
 * Translates a pattern over the event view onto an AWS service event as EventBridge holds it:
 * `source`, `id` and `time` stay where they are, `type` is `detail-type`, `data` is `detail`.
 * `subject`, `headers` and any other key have no place in a service event and stay absent
 * (matching only `exists: false`, as in core). The target then receives the whole event, which
 * core's EventBridge recogniser maps onto the same fields (see `docs/concepts/interoperability.md`).
 */
export function translateServiceEventPattern(pattern: EventPattern): Record<string, unknown> {
  const translated: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern as Record<string, unknown>)) {
    if (key === 'type') translated['detail-type'] = value;
    else if (key === 'data') translated.detail = value;
    else if (key === 'source' || key === 'id' || key === 'time') translated[key] = value;
    else translated[`${ABSENT_PREFIX}${key}`] = value;
  }
  return translated;
}
