import type { EventPattern } from '../pattern/index.js';

/** How many dead letters there are, and whether the broker's figure is exact. */
export interface DeadLetterCount {
  readonly count: number;
  /** `'approximate'` when the broker only estimates (SQS); see `capabilities.deadLetterManagement.count`. */
  readonly accuracy: 'exact' | 'approximate';
}

/** Why and when a message was dead-lettered, read from its failure headers. */
export interface FailureEnvelope {
  /** `<error name>: <error message>` of the last failure, or the broker's own reason. */
  readonly reason: string;
  /** The error's name (`TypeError`, `DecodeError`, `PermanentError`…), or `undefined` if unknown. */
  readonly errorType: string | undefined;
  /** Attempts made before the last dead-lettering. */
  readonly attempts: number | undefined;
  /** The queue, or `topic/subscription`, the message failed on. */
  readonly originalQueue: string | undefined;
  /** When it was first dead-lettered (an earlier failure survives a redrive). */
  readonly firstFailedAt: Date | undefined;
  /** When it was last dead-lettered. */
  readonly lastFailedAt: Date | undefined;
  /** How many times it was redriven before. */
  readonly redriven: number;
}

/**
 * A dead letter as `peek` shows it: the message (decoded when it can be) and its failure envelope.
 * When the body is not decodable, `decoded` is false, `data` is undefined and `body` holds the
 * bytes as they arrived.
 */
export interface DeadLetterMessage {
  /** The envelope id (kept across redrives so idempotency recognises a duplicate). */
  readonly id: string;
  readonly type: string | undefined;
  readonly source: string | undefined;
  readonly subject: string | undefined;
  readonly time: string | undefined;
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  /** User headers, without the failure headers (those are in `failure`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded payload; undefined when `decoded` is false. */
  readonly data: unknown;
  /** Whether the message decodes as an Omnibus envelope with a UTF-8 JSON body. */
  readonly decoded: boolean;
  /** The body exactly as stored. */
  readonly body: Uint8Array;
  readonly failure: FailureEnvelope;
}

/** Options of `peek`. */
export interface PeekOptions {
  /** Most letters to show. @default 10 */
  limit?: number;
}

/** Which dead letters an operation applies to. Both given: a letter must satisfy both. */
export interface DeadLetterSelection {
  /** Only letters with these envelope ids. */
  ids?: readonly string[];
  /**
   * Only letters whose event view (`{ id, type, source, subject, time, data, headers }`, the
   * failure headers included) matches this EventBridge pattern. Undecodable letters never match.
   */
  pattern?: EventPattern;
}

/** Progress of a redrive or purge, reported after each batch. */
export interface DeadLetterProgress {
  /** Letters moved (redrive) or deleted (purge) so far. */
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  /** How many letters there were when the operation began (approximate on some brokers). */
  readonly total: number;
}

/** Options of `redrive`. */
export interface RedriveOptions extends DeadLetterSelection {
  /** Move at most this many. @default all */
  limit?: number;
  /** Queue to move them to. @default the queue (or subscription) they died on */
  to?: string;
  /** Most letters moved per second. @default unpaced */
  ratePerSecond?: number;
  /** Called after each batch. */
  onProgress?: (progress: DeadLetterProgress) => void;
  /** Stops the redrive after the batch in flight; what was not moved stays dead-lettered. */
  signal?: AbortSignal;
}

/** What a redrive did. */
export interface RedriveResult {
  /** Sent to the target (confirmed) and then removed from the dead-letter queue. */
  readonly moved: number;
  /** Not selected by `ids`/`pattern`, or beyond `limit`: left in place. */
  readonly skipped: number;
  /** Could not be moved; left in place (or, if only the removal failed, duplicated: idempotency drops the copy). */
  readonly failed: number;
  /** One line per distinct failure cause. */
  readonly errors: readonly string[];
}

/** Options of `purge`. */
export interface PurgeOptions {
  /** Only letters with these envelope ids. */
  ids?: readonly string[];
  /** Only letters last dead-lettered before this time. */
  olderThan?: Date;
  onProgress?: (progress: DeadLetterProgress) => void;
  signal?: AbortSignal;
}

/** What a purge did. */
export interface PurgeResult {
  readonly purged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly errors: readonly string[];
}
