import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Names } from './messages.js';
import { ORDER_ID_ATTRIBUTE, SUBMIT_SPAN } from './submit-order.js';

/** What one order's run should have touched, from its outcome. */
export interface OrderOutcome {
  readonly orderId: string;
  readonly confirmed: boolean;
  /** A large failed payment: finance was alerted. */
  readonly financeAlert: boolean;
}

/** The services an order's trace is checked for, by the consumer that processes for each. */
export const SERVICES = {
  stock: { destination: Names.reserveStock },
  payment: { destination: Names.authorizePayment },
  fulfillment: { destination: Names.fulfillment },
  compensation: { destination: Names.compensation },
  finance: { destination: Names.financeAlerts },
  email: { destination: Names.notifications, group: 'email-sender' },
  sms: { destination: Names.notifications, group: 'sms-sender' },
} as const;

export type Service = keyof typeof SERVICES;

/** The trace of one order, checked. */
export interface OrderTrace {
  readonly orderId: string;
  readonly traceId: string | undefined;
  readonly spans: readonly ReadableSpan[];
  /** The services that must appear in this order's trace, from its outcome. */
  readonly expected: readonly Service[];
  /** What is wrong with the trace; empty when it is one connected trace through every service. */
  readonly problems: readonly string[];
}

/** The result of checking every order's trace. */
export interface TraceReport {
  /** Distinct traces that this run's orders produced spans in. */
  readonly traces: number;
  readonly orders: readonly OrderTrace[];
  /** Orders whose trace is one connected tree spanning every service they touched. */
  readonly connected: number;
  /** Every order is one connected trace, and there is one trace per order. */
  readonly ok: boolean;
}

/**
 * Checks the recorded spans order by order: the order's `submit order` span is the one root of its
 * trace; every process span carrying the order's correlation id is in that trace; every span's
 * parent is in the trace (nothing detached); a process span's parent is a producer span (the send
 * or the message's creation context) and a producer span's parent is the root, a process span or
 * its batch's send span; and the trace has a process span, acknowledged, for each service the order
 * touched. Spans of other runs (left on a shared broker) are ignored.
 */
export function checkOrderTraces(
  spans: readonly ReadableSpan[],
  outcomes: readonly OrderOutcome[],
): TraceReport {
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const id = span.spanContext().traceId;
    const list = byTrace.get(id);
    if (list) list.push(span);
    else byTrace.set(id, [span]);
  }
  const ofThisRun = new Set<string>();
  const orders = outcomes.map((outcome) => {
    const checked = checkOrder(outcome, spans, byTrace);
    if (checked.traceId) ofThisRun.add(checked.traceId);
    for (const span of spans)
      if (span.attributes['messaging.message.conversation_id'] === outcome.orderId)
        ofThisRun.add(span.spanContext().traceId);
    return checked;
  });
  const connected = orders.filter((order) => order.problems.length === 0).length;
  return {
    traces: ofThisRun.size,
    orders,
    connected,
    ok: connected === outcomes.length && ofThisRun.size === outcomes.length,
  };
}

function checkOrder(
  outcome: OrderOutcome,
  spans: readonly ReadableSpan[],
  byTrace: ReadonlyMap<string, ReadableSpan[]>,
): OrderTrace {
  const { orderId } = outcome;
  const expected: Service[] = [
    'stock',
    'payment',
    outcome.confirmed ? 'fulfillment' : 'compensation',
    ...(outcome.financeAlert ? (['finance'] as const) : []),
    'email',
    'sms',
  ];
  const roots = spans.filter(
    (span) => span.name === SUBMIT_SPAN && span.attributes[ORDER_ID_ATTRIBUTE] === orderId,
  );
  if (roots.length !== 1)
    return { orderId, traceId: undefined, spans: [], expected, problems: [`${roots.length} submit spans`] };
  const root = roots[0]!;
  const traceId = root.spanContext().traceId;
  const inTrace = byTrace.get(traceId) ?? [];
  const problems: string[] = [];
  const bySpanId = new Map(inTrace.map((span) => [span.spanContext().spanId, span]));

  for (const span of spans) {
    if (
      span.attributes['messaging.message.conversation_id'] === orderId &&
      span.spanContext().traceId !== traceId
    )
      problems.push(`'${span.name}' is in another trace`);
  }
  for (const span of inTrace) {
    if (span === root) {
      if (span.parentSpanContext) problems.push('the submit span has a parent');
      continue;
    }
    const parent = span.parentSpanContext && bySpanId.get(span.parentSpanContext.spanId);
    if (!parent) {
      problems.push(`'${span.name}' has no parent in the trace`);
      continue;
    }
    if (span.kind === SpanKind.CONSUMER && parent.kind !== SpanKind.PRODUCER)
      problems.push(`'${span.name}' is processed under '${parent.name}', not under a producer span`);
    if (
      span.kind === SpanKind.PRODUCER &&
      parent !== root &&
      parent.kind !== SpanKind.CONSUMER &&
      parent.kind !== SpanKind.PRODUCER
    )
      problems.push(`'${span.name}' is sent under '${parent.name}'`);
  }
  for (const service of expected) {
    if (!inTrace.some((span) => isAcknowledgedRunOf(span, service)))
      problems.push(`no acknowledged process span of the ${service} service`);
  }
  return { orderId, traceId, spans: inTrace, expected, problems };
}

/** Whether `span` is a process span of `service` that ended acknowledged. */
export function isAcknowledgedRunOf(span: ReadableSpan, service: Service): boolean {
  return serviceOf(span) === service && span.events.some((event) => event.name === 'ack');
}

/** The service whose consumer ran `span`, if it is a process span of the order flow. */
export function serviceOf(span: ReadableSpan): Service | undefined {
  if (span.kind !== SpanKind.CONSUMER) return undefined;
  const destination = span.attributes['messaging.destination.name'];
  const group = span.attributes['messaging.consumer.group.name'];
  for (const [service, where] of Object.entries(SERVICES)) {
    if (where.destination === destination && ('group' in where ? where.group === group : group === undefined))
      return service as Service;
  }
  return undefined;
}

/** `traces=20 connected=20/20`, then one line per order whose trace is wrong. */
export function formatTraceReport(report: TraceReport): string {
  const lines = [`traces=${report.traces} connected=${report.connected}/${report.orders.length}`];
  for (const order of report.orders) {
    if (order.problems.length > 0) lines.push(`  ${order.orderId}: ${order.problems.join('; ')}`);
  }
  return lines.join('\n');
}
