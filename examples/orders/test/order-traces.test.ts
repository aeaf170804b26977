import { describe, expect, it } from 'vitest';
import { runOrderFlow } from '../src/order-flow.js';
import { checkOrderTraces } from '../src/order-traces.js';
import { startOrderTracing } from '../src/order-tracing.js';
import { renderTrace } from '../src/trace-picture.js';

describe('the order example with --trace on memory://', () => {
  it('records one connected trace per order through every service it touched', async () => {
    const tracing = startOrderTracing();
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 12,
      seed: 42,
      failureRate: 0.3,
      timeoutMs: 30_000,
      tracing,
    });
    const traces = summary.traces!;
    expect(summary.ok).toBe(true);
    expect(traces.traces).toBe(12);
    expect(traces.connected).toBe(12);
    for (const order of traces.orders) {
      expect(order.problems).toEqual([]);
      expect(order.expected).toEqual(expect.arrayContaining(['stock', 'payment', 'email', 'sms']));
      expect(new Set(order.spans.map((span) => span.spanContext().traceId))).toEqual(
        new Set([order.traceId]),
      );
    }
    // Some orders failed and some were confirmed, so both branches were checked.
    const branches = new Set(traces.orders.map((order) => order.expected[2]));
    expect(branches).toEqual(new Set(['fulfillment', 'compensation']));

    // The check fails when a span is missing from an order's trace: drop one order's payment send.
    const spans = tracing.spans();
    const victim = traces.orders[0]!;
    const send = victim.spans.find(
      (span) => span.name.startsWith('send ') && span.name.endsWith('.authorize'),
    )!;
    const broken = checkOrderTraces(
      spans.filter((span) => span !== send),
      traces.orders.map((order) => ({
        orderId: order.orderId,
        confirmed: order.expected.includes('fulfillment'),
        financeAlert: order.expected.includes('finance'),
      })),
    );
    expect(broken.ok).toBe(false);
    expect(broken.connected).toBe(11);
    expect(broken.orders[0]!.problems.join('; ')).toMatch(/has no parent in the trace/);

    // The picture has one bar per span of the order it draws.
    const svg = renderTrace(victim);
    expect(svg.match(/<rect [^>]*rx="2"/g)).toHaveLength(victim.spans.length);
  });
});
