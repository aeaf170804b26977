import { Attribute } from '@omnibus/core/transport';
import { AMQP_PREFIX, toApplicationPropertyName } from './cloudevents-amqp-names.js';

/**
 * What Service Bus can do with a rule pattern: a set of correlation filters (a message matches
 * if any one matches all its application properties), and whether that is the exact pattern.
 */
export interface CompiledServiceBusFilter {
  /**
   * Correlation filters over application properties, OR-ed. Empty: no pre-filter (every event).
   */
  readonly correlations: readonly Readonly<Record<string, string>>[];
  /**
   * `true` when the correlations select exactly the events the pattern matches, so Service Bus
   * can route on its own (`ForwardTo`); `false` when the transport must run the exact check.
   */
  readonly exact: boolean;
}

/** Envelope fields of the event view, and the attributes carrying them. */
const ENVELOPE_FIELDS: Readonly<Record<string, string>> = {
  id: toApplicationPropertyName(Attribute.id),
  type: toApplicationPropertyName(Attribute.type),
  source: toApplicationPropertyName(Attribute.source),
  subject: toApplicationPropertyName(Attribute.subject),
  time: toApplicationPropertyName(Attribute.time),
};

/** More combinations than this are not worth a correlation filter each. */
const MAX_CORRELATIONS = 32;

/**
 * Compiles an EventBridge pattern to Service Bus correlation filters. Only equality on string
 * envelope fields and headers is compiled: a correlation filter compares application properties
 * exactly (case-sensitive, no type conversion), which is what EventBridge does for string values.
 * Everything else — data paths, numbers, prefixes, anything-but, exists, `$or` — stays with the
 * transport's exact check, and the filter then only pre-selects on the compiled part.
 */
export function compileServiceBusFilter(
  pattern: Readonly<Record<string, unknown>>,
): CompiledServiceBusFilter {
  let exact = true;
  const conditions: [property: string, values: string[]][] = [];
  for (const [field, value] of Object.entries(pattern)) {
    const property = ENVELOPE_FIELDS[field];
    if (property !== undefined) {
      const values = stringValues(value);
      if (values) conditions.push([property, values]);
      else exact = false;
    } else if (field === 'headers' && isPlainObject(value)) {
      for (const [header, headerValue] of Object.entries(value)) {
        const values = stringValues(headerValue);
        if (values && isHeaderName(header)) conditions.push([header, values]);
        else exact = false;
      }
    } else {
      exact = false;
    }
  }
  let correlations: Record<string, string>[] = [{}];
  for (const [property, values] of conditions) {
    if (correlations.length * values.length > MAX_CORRELATIONS) {
      exact = false;
      continue;
    }
    correlations = correlations.flatMap((partial) =>
      values.map((value) => ({ ...partial, [property]: value })),
    );
  }
  if (correlations.length === 1 && Object.keys(correlations[0]!).length === 0) correlations = [];
  return { correlations, exact };
}

/** The distinct values of an equality-only pattern leaf of strings, else `undefined`. */
function stringValues(leaf: unknown): string[] | undefined {
  if (!Array.isArray(leaf) || leaf.length === 0) return undefined;
  if (!leaf.every((value) => typeof value === 'string')) return undefined;
  return [...new Set(leaf as string[])];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Header names a correlation filter can hold without clashing with envelope attributes. */
function isHeaderName(name: string): boolean {
  return (
    name !== '' && !name.startsWith('ce-') && !name.startsWith(AMQP_PREFIX) && !name.startsWith('omnibus-')
  );
}
