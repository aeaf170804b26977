import { decodeMessage, userHeaders } from '../message/encode-message.js';
import { Attribute } from '../message/encoded-message.js';
import { FailureHeader } from '../message/failure-headers.js';
import type { Message } from '../message/message.js';
import type { StoredDeadLetter } from '../transport/dead-letter-store.js';
import type { DeadLetterMessage, FailureEnvelope } from './dead-letter-types.js';

const FAILURE_HEADERS = new Set<string>(Object.values(FailureHeader));

/** Whether an attribute is one of the failure headers core writes, not a user header. */
export function isFailureHeader(name: string): boolean {
  return FAILURE_HEADERS.has(name);
}

/**
 * Reads a stored dead letter into what `peek` shows. Never throws: an undecodable message is shown
 * with its raw body, and failure headers a foreign producer mangled are shown as unknown.
 */
export function readDeadLetter(stored: StoredDeadLetter): DeadLetterMessage {
  const encoded = stored.message;
  const attributes = encoded.attributes;
  const decoded = tryDecode(stored);
  const headers: Record<string, string> = {};
  const all = userHeaders(attributes);
  for (const name in all) if (!isFailureHeader(name)) headers[name] = all[name]!;
  return {
    id: attributes[Attribute.id] ?? encoded.id,
    type: attributes[Attribute.type],
    source: attributes[Attribute.source],
    subject: attributes[Attribute.subject],
    time: attributes[Attribute.time],
    correlationId: attributes[Attribute.correlationId],
    causationId: attributes[Attribute.causationId],
    headers,
    data: decoded?.data,
    decoded: decoded !== undefined,
    body: encoded.body,
    failure: readFailure(stored),
  };
}

/** The decoded message, or undefined when it does not decode. */
export function tryDecode(stored: StoredDeadLetter): Message | undefined {
  try {
    return decodeMessage(stored.message, 1);
  } catch {
    return undefined;
  }
}

function readFailure(stored: StoredDeadLetter): FailureEnvelope {
  const attributes = stored.message.attributes;
  const reason = attributes[FailureHeader.error] ?? stored.nativeReason ?? 'unknown';
  const separator = reason.indexOf(': ');
  const errorType = attributes[FailureHeader.error] && separator > 0 ? reason.slice(0, separator) : undefined;
  const lastFailedAt =
    parseTime(attributes[FailureHeader.failedAt]) ??
    (stored.deadLetteredAt === undefined ? undefined : new Date(stored.deadLetteredAt));
  return {
    reason,
    errorType,
    attempts: parseCount(attributes[FailureHeader.attempts]),
    originalQueue: attributes[FailureHeader.failedQueue],
    firstFailedAt: parseTime(attributes[FailureHeader.firstFailedAt]) ?? lastFailedAt,
    lastFailedAt,
    redriven: parseCount(attributes[FailureHeader.redriven]) ?? 0,
  };
}

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
