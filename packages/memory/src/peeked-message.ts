import { Attribute, type EncodedMessage, userHeaders } from '@omnibus/core/transport';
import type { Entry } from './memory-queue.js';

/** A stored message as the harness shows it, decoded as far as it can be. */
export interface PeekedMessage {
  readonly id: string;
  /** The `ce-type` attribute; undefined for a message that lacks it. */
  readonly type: string | undefined;
  /** The ordering key, if any. */
  readonly key: string | undefined;
  /** The payload; undefined when the body is not UTF-8 JSON (see `encoded.body`). */
  readonly data: unknown;
  /** User headers: every attribute outside the `ce-` envelope, including failure headers on dead letters. */
  readonly headers: Readonly<Record<string, string>>;
  /** The attempt number its next delivery will carry. */
  readonly attempt: number;
  /** The message exactly as the broker holds it. */
  readonly encoded: EncodedMessage;
}

/** A message in a dead-letter queue. */
export interface DeadLetter extends PeekedMessage {
  /** The reason given when it was dead-lettered (`<error name>: <error message>`). */
  readonly reason: string | undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function peekEntry(entry: Entry): DeadLetter {
  const encoded = entry.message;
  const attributes = encoded.attributes;
  // Unlike core's decoder this never throws: the harness shows undecodable messages too (they are
  // what dead-letter queues hold), with whatever could be read.
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(encoded.body));
  } catch {
    data = undefined;
  }
  return {
    id: attributes[Attribute.id] ?? encoded.id,
    type: attributes[Attribute.type],
    key: encoded.key ?? attributes[Attribute.key],
    data,
    headers: userHeaders(attributes),
    attempt: entry.attempt,
    encoded,
    reason: entry.reason,
  };
}
