/**
 * The header names Omnibus keeps for itself. Omnibus reads or writes them to carry the envelope,
 * count attempts and record failures, so a value under one of them is never the caller's to set:
 * `send`, `publish` and `emit` refuse them, and a dead letter never carries one that arrived from
 * the wire (only the failure headers core writes itself). See `docs/concepts/security.md`.
 *
 * Names are compared case-insensitively: several brokers (and the HTTP and Pub/Sub CloudEvents
 * bindings) treat header names without regard to case.
 */
export const RESERVED_HEADER_PREFIXES = [
  // The envelope, in every CloudEvents binding's binary-mode form (HTTP/Pub/Sub, Kafka, AMQP, JMS).
  'ce-',
  'ce_',
  'cloudevents:',
  'cloudevents_',
  // Omnibus's own headers: failure headers, packed envelopes, carried attempts.
  'omnibus-',
  'x-omnibus-',
  // What RabbitMQ writes when it dead-letters.
  'x-first-death-',
  'x-last-death-',
] as const;

/** Single names (not prefixes) brokers write to count deliveries. */
export const RESERVED_HEADER_NAMES = ['x-death', 'x-delivery-count'] as const;

const NAMES = new Set<string>(RESERVED_HEADER_NAMES);

/** Whether `name` is one of Omnibus's reserved header names (see `RESERVED_HEADER_PREFIXES`). */
export function isReservedHeader(name: string): boolean {
  return reservedHeaderRule(name) !== undefined;
}

/** The reserved prefix or name `name` falls under, or undefined for a user header. */
export function reservedHeaderRule(name: string): string | undefined {
  // Every reserved name starts with c, o or x (either case): one char test spares lowercasing the
  // names of ordinary headers on the send path.
  const first = name.charCodeAt(0) | 0x20;
  if (first !== 99 && first !== 111 && first !== 120) return undefined;
  const lower = name.toLowerCase();
  if (NAMES.has(lower)) return lower;
  return RESERVED_HEADER_PREFIXES.find((prefix) => lower.startsWith(prefix));
}
