import type { Baggage, Context, SpanContext } from '@opentelemetry/api';
import type { OpenTelemetry } from './load-opentelemetry.js';
import { TraceContextAttribute } from './trace-context-attribute.js';

// Limits from the W3C Trace Context and Baggage specifications. What arrives with a message is
// foreign input: anything longer or malformed is ignored rather than parsed.
const MAX_TRACESTATE_LENGTH = 512;
const MAX_BAGGAGE_LENGTH = 8192;
const MAX_BAGGAGE_MEMBERS = 180;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$/;
const ALL_ZERO = /^0+$/;
const BAGGAGE_KEY = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Writes `context`'s span context (and baggage) into a message's attributes. */
export function injectTraceContext(
  api: OpenTelemetry,
  context: Context,
  spanContext: SpanContext,
  attributes: Record<string, string>,
): void {
  if (api.isSpanContextValid(spanContext)) {
    attributes[TraceContextAttribute.traceparent] =
      `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & 1 ? '01' : '00'}`;
    const traceState = spanContext.traceState?.serialize();
    if (traceState) attributes[TraceContextAttribute.tracestate] = traceState;
  }
  const baggage = api.propagation.getBaggage(context);
  if (baggage) {
    const value = serializeBaggage(baggage);
    if (value) attributes[TraceContextAttribute.baggage] = value;
  }
}

/**
 * The context a received message was created in, on top of `base`: its remote span context and its
 * baggage, when present and well-formed. Malformed values are ignored.
 */
export function extractTraceContext(
  api: OpenTelemetry,
  base: Context,
  attributes: Readonly<Record<string, string>>,
): Context {
  let context = base;
  const spanContext = parseTraceparent(api, attributes[TraceContextAttribute.traceparent]);
  if (spanContext) {
    const state = attributes[TraceContextAttribute.tracestate];
    if (state && state.length <= MAX_TRACESTATE_LENGTH) spanContext.traceState = api.createTraceState(state);
    context = api.trace.setSpanContext(context, spanContext);
  }
  const baggage = parseBaggage(api, attributes[TraceContextAttribute.baggage]);
  if (baggage) context = api.propagation.setBaggage(context, baggage);
  return context;
}

/** Parses a `traceparent` value; `undefined` unless it is valid per W3C Trace Context. */
export function parseTraceparent(api: OpenTelemetry, value: string | undefined): SpanContext | undefined {
  const fields = traceparentFields(value);
  if (!fields) return undefined;
  const spanContext: SpanContext = {
    traceId: fields.traceId,
    spanId: fields.spanId,
    traceFlags: Number.parseInt(fields.flags, 16) & 1,
    isRemote: true,
  };
  return api.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The trace context a received message carries, as it may be passed on unchanged: its
 * `traceparent` when well-formed (with its `tracestate`), and its baggage, each within the
 * specifications' limits. `undefined` when it carries none of them. Needs no OpenTelemetry API:
 * it is what a bus without a recording provider forwards, as OpenTelemetry's non-recording spans
 * would.
 */
export function forwardableTraceContext(
  attributes: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  let forwarded: Record<string, string> | undefined;
  const traceparent = attributes[TraceContextAttribute.traceparent];
  if (traceparentFields(traceparent)) {
    forwarded = { [TraceContextAttribute.traceparent]: traceparent! };
    const state = attributes[TraceContextAttribute.tracestate];
    if (state && state.length <= MAX_TRACESTATE_LENGTH) forwarded[TraceContextAttribute.tracestate] = state;
  }
  const baggage = attributes[TraceContextAttribute.baggage];
  if (baggage && baggage.length <= MAX_BAGGAGE_LENGTH) {
    forwarded ??= {};
    forwarded[TraceContextAttribute.baggage] = baggage;
  }
  return forwarded;
}

/** The fields of a `traceparent` that is valid per W3C Trace Context (ids not all zero), else `undefined`. */
function traceparentFields(
  value: string | undefined,
): { traceId: string; spanId: string; flags: string } | undefined {
  if (value === undefined || value.length > 256) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  // Version ff is invalid; version 00 has exactly four fields; later versions may add more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

function serializeBaggage(baggage: Baggage): string {
  let value = '';
  let members = 0;
  for (const [key, entry] of baggage.getAllEntries()) {
    if (!BAGGAGE_KEY.test(key)) continue;
    let member = `${key}=${encodeURIComponent(entry.value)}`;
    if (entry.metadata !== undefined) member += `;${entry.metadata.toString()}`;
    const next = value === '' ? member : `${value},${member}`;
    // Members past the limits are dropped, as the specification asks, rather than truncated.
    if (next.length > MAX_BAGGAGE_LENGTH || ++members > MAX_BAGGAGE_MEMBERS) break;
    value = next;
  }
  return value;
}

function parseBaggage(api: OpenTelemetry, value: string | undefined): Baggage | undefined {
  if (!value || value.length > MAX_BAGGAGE_LENGTH) return undefined;
  const entries: Record<
    string,
    { value: string; metadata?: ReturnType<OpenTelemetry['baggageEntryMetadataFromString']> }
  > = {};
  let count = 0;
  for (const member of value.split(',')) {
    if (++count > MAX_BAGGAGE_MEMBERS) break;
    const separator = member.indexOf(';');
    const pair = separator === -1 ? member : member.slice(0, separator);
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const key = pair.slice(0, equals).trim();
    if (!BAGGAGE_KEY.test(key)) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      continue;
    }
    entries[key] =
      separator === -1
        ? { value: decoded }
        : { value: decoded, metadata: api.baggageEntryMetadataFromString(member.slice(separator + 1)) };
  }
  return count === 0 || Object.keys(entries).length === 0
    ? undefined
    : api.propagation.createBaggage(entries);
}
