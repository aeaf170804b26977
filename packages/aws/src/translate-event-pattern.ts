import type { EventPattern } from '@omnibus/core';

/** The fields of the event view that travel inside `detail` (see `eventbridge-emitter.ts`). */
const DETAIL_FIELDS = new Set(['id', 'time', 'subject', 'data', 'headers']);
/** Marks a pattern key that is not a view field: it can never be present, on AWS as in core. */
const ABSENT_PREFIX = '~absent~';

/**
 * Translates a pattern over the Omnibus event view `{ id, type, source, subject, time, data,
 * headers }` into a pattern over the EventBridge event the emitter puts: `type` -> `detail-type`,
 * `source` -> `source`, every other view field -> the same name under `detail` (where the emitter
 * copies it). EventBridge then filters exactly what core's matcher selects, with no check on the
 * client. A key that is no view field maps to a `detail` key no event has, so it stays absent
 * (matching only `exists: false`, as in core). Top-level `$or` branches are translated alike.
 */
export function translateEventPattern(pattern: EventPattern): Record<string, unknown> {
  const translated: Record<string, unknown> = {};
  const detail: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern as Record<string, unknown>)) {
    if (key === '$or' && Array.isArray(value)) {
      translated.$or = value.map((branch) => translateEventPattern(branch as EventPattern));
    } else if (key === 'type') {
      translated['detail-type'] = value;
    } else if (key === 'source') {
      translated.source = value;
    } else {
      detail[DETAIL_FIELDS.has(key) ? key : `${ABSENT_PREFIX}${key}`] = value;
    }
  }
  if (Object.keys(detail).length > 0) translated.detail = detail;
  return translated;
}
