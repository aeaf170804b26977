import * as api from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { TraceContextAttribute } from './trace-context-attribute.js';
import {
  extractTraceContext,
  forwardableTraceContext,
  injectTraceContext,
  parseTraceparent,
} from './w3c-trace-context.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('W3C trace context in message attributes', () => {
  it('parses a valid traceparent as a remote, sampled span context', () => {
    expect(parseTraceparent(api, `00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['extra field on version 00', `00-${TRACE}-${SPAN}-01-extra`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['oversized value', `00-${TRACE}-${SPAN}-01${'x'.repeat(300)}`],
    ['garbage', 'not a traceparent'],
  ])('ignores a malformed traceparent (%s)', (_label, value) => {
    expect(parseTraceparent(api, value)).toBeUndefined();
    const context = extractTraceContext(api, api.ROOT_CONTEXT, {
      [TraceContextAttribute.traceparent]: value,
    });
    expect(api.trace.getSpanContext(context)).toBeUndefined();
    // Nor is it passed on by a bus that records nothing.
    expect(forwardableTraceContext({ [TraceContextAttribute.traceparent]: value })).toBeUndefined();
  });

  it('passes on a well-formed trace context unchanged, and only that', () => {
    const incoming = {
      [TraceContextAttribute.traceparent]: `00-${TRACE}-${SPAN}-01`,
      [TraceContextAttribute.tracestate]: 'vendor=value',
      [TraceContextAttribute.baggage]: 'tenant=acme',
      'ce-type': 'Order',
    };
    expect(forwardableTraceContext(incoming)).toEqual({
      [TraceContextAttribute.traceparent]: `00-${TRACE}-${SPAN}-01`,
      [TraceContextAttribute.tracestate]: 'vendor=value',
      [TraceContextAttribute.baggage]: 'tenant=acme',
    });
    expect(forwardableTraceContext({ 'ce-type': 'Order' })).toBeUndefined();
    // Oversized trace state and baggage stay behind; the traceparent still goes on.
    expect(
      forwardableTraceContext({
        [TraceContextAttribute.traceparent]: `00-${TRACE}-${SPAN}-01`,
        [TraceContextAttribute.tracestate]: `k=${'v'.repeat(600)}`,
        [TraceContextAttribute.baggage]: `k=${'v'.repeat(9000)}`,
      }),
    ).toEqual({ [TraceContextAttribute.traceparent]: `00-${TRACE}-${SPAN}-01` });
  });

  it('round-trips span context, trace state and baggage through attributes', () => {
    const spanContext: api.SpanContext = {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: api.createTraceState('vendor=value'),
    };
    const baggage = api.propagation.createBaggage({ tenant: { value: 'acme corp, ltd' } });
    const context = api.propagation.setBaggage(api.ROOT_CONTEXT, baggage);
    const attributes: Record<string, string> = {};
    injectTraceContext(api, context, spanContext, attributes);
    expect(attributes[TraceContextAttribute.traceparent]).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(attributes[TraceContextAttribute.tracestate]).toBe('vendor=value');

    const extracted = extractTraceContext(api, api.ROOT_CONTEXT, attributes);
    expect(api.trace.getSpanContext(extracted)).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      isRemote: true,
    });
    expect(api.propagation.getBaggage(extracted)?.getEntry('tenant')?.value).toBe('acme corp, ltd');
  });

  it('ignores undecodable or oversized baggage and keeps the trace', () => {
    const extracted = extractTraceContext(api, api.ROOT_CONTEXT, {
      [TraceContextAttribute.traceparent]: `00-${TRACE}-${SPAN}-00`,
      [TraceContextAttribute.baggage]: 'key=%E0%A4%A',
    });
    expect(api.propagation.getBaggage(extracted)).toBeUndefined();
    expect(api.trace.getSpanContext(extracted)?.traceId).toBe(TRACE);
    const huge = extractTraceContext(api, api.ROOT_CONTEXT, {
      [TraceContextAttribute.baggage]: `k=${'v'.repeat(9000)}`,
    });
    expect(api.propagation.getBaggage(huge)).toBeUndefined();
  });
});
