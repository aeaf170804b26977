import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type OrderTrace, serviceOf, type TraceReport } from './order-traces.js';

const ROW = 22;
const LABEL_WIDTH = 470;
const TIMELINE_WIDTH = 560;
const MARGIN = { top: 56, bottom: 40, left: 12, right: 24 };
const COLORS: Record<string, string> = {
  internal: '#7f7f7f',
  producer: '#1f77b4',
  consumer: '#2ca02c',
  retried: '#ff7f0e',
};

/**
 * Draws one order's trace as a waterfall and writes it to `file` (relative to the current
 * directory); returns the path written. The order drawn is the connected one that touched the most
 * services and, among those, had the most spans (retries included), so the picture shows as much
 * of the flow as one order can.
 */
export function writeTracePicture(file: string, report: TraceReport): string {
  const connected = report.orders.filter((order) => order.problems.length === 0);
  const chosen = connected.sort(
    (a, b) => b.expected.length - a.expected.length || b.spans.length - a.spans.length,
  )[0];
  if (!chosen) throw new Error('No order has a connected trace to draw.');
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderTrace(chosen));
  return path;
}

/** The trace of `order` as a standalone SVG document: one row per span, in tree order. */
export function renderTrace(order: OrderTrace): string {
  const rows = inTreeOrder(order.spans);
  const start = Math.min(...rows.map(({ span }) => millis(span.startTime)));
  const end = Math.max(...rows.map(({ span }) => millis(span.endTime)));
  const total = Math.max(end - start, 1);
  const width = MARGIN.left + LABEL_WIDTH + TIMELINE_WIDTH + MARGIN.right;
  const height = MARGIN.top + rows.length * ROW + MARGIN.bottom;
  const system = order.spans.find((span) => span.attributes['messaging.system'])?.attributes[
    'messaging.system'
  ];
  const title = `One order's trace: ${rows.length} spans, one trace (${order.expected.join(', ')})`;
  const toX = (time: number) => MARGIN.left + LABEL_WIDTH + ((time - start) / total) * TIMELINE_WIDTH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${MARGIN.left}" y="40" fill="#555">${escapeXml(`${system} · trace ${order.traceId} · blue: send/create (producer) · green: process (consumer) · orange: a process run that was retried`)}</text>`,
  ];
  for (const tick of ticks(total)) {
    const x = toX(start + tick);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${MARGIN.top - 4}" x2="${x.toFixed(1)}" y2="${height - MARGIN.bottom + 4}" stroke="#e5e5e5"/>`,
      `<text x="${x.toFixed(1)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle" fill="#555">${tick} ms</text>`,
    );
  }
  rows.forEach(({ span, depth }, index) => {
    const y = MARGIN.top + index * ROW;
    const x = toX(millis(span.startTime));
    const barWidth = Math.max(toX(millis(span.endTime)) - x, 2);
    parts.push(
      `<text x="${MARGIN.left + depth * 14}" y="${y + 15}">${escapeXml(labelOf(span))}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${colorOf(span)}"/>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Depth-first from the root, children by start time. */
function inTreeOrder(spans: readonly ReadableSpan[]): { span: ReadableSpan; depth: number }[] {
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const list = children.get(parent);
    if (list) list.push(span);
    else children.set(parent, [span]);
  }
  const rows: { span: ReadableSpan; depth: number }[] = [];
  const visit = (span: ReadableSpan, depth: number) => {
    rows.push({ span, depth });
    const below = children.get(span.spanContext().spanId) ?? [];
    below.sort((a, b) => millis(a.startTime) - millis(b.startTime));
    for (const child of below) visit(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) visit(root, 0);
  return rows;
}

function labelOf(span: ReadableSpan): string {
  const service = serviceOf(span);
  if (!service) return span.name;
  const attempt = span.attributes['omnibus.message.attempt'];
  return `${span.name} [${service}, attempt ${attempt}]`;
}

function colorOf(span: ReadableSpan): string {
  if (span.kind === SpanKind.PRODUCER) return COLORS.producer!;
  if (span.kind !== SpanKind.CONSUMER) return COLORS.internal!;
  return span.events.some((event) => event.name === 'retry') ? COLORS.retried! : COLORS.consumer!;
}

/** About six round tick values from 0 to `total` milliseconds. */
function ticks(total: number): number[] {
  const rough = total / 6;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((value) => value >= rough)!;
  const values: number[] = [];
  for (let tick = 0; tick <= total; tick += step) values.push(tick);
  return values;
}

function millis([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1_000 + nanos / 1_000_000;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
