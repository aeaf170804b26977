/**
 * What a transport can do, declared by the transport itself as data. Core checks every request
 * against these before any I/O and throws `UnsupportedFeatureError` for what is missing, so a
 * delay or an ordering key is never silently dropped.
 */
export interface Capabilities {
  /** Delayed delivery of sent messages: `false` when absent, else the longest delay accepted. */
  readonly delay: false | { readonly maxMs: number; readonly mode: 'native' | 'emulated' };
  /** Ordering guarantee: `'key'` delivers messages with the same `key` in send order, one at a time. */
  readonly ordering: 'key' | 'none';
  /** Largest encoded message (body plus attributes) the transport accepts, in bytes. */
  readonly maxMessageBytes: number;
  /** Largest number of messages one `send`/`publish` call moves in one broker round trip. */
  readonly maxBatchSize: number;
  /** How dead letters are kept: by the broker's own mechanism, or by the transport publishing a copy. */
  readonly deadLetter: 'native' | 'emulated';
  /**
   * How rule patterns are evaluated: entirely by the broker (`'native'`), by a native pre-filter
   * plus the exact check in the transport (`'partial'`), or only in the transport (`'client'`).
   * Whatever the mode, targets receive exactly the matching events.
   */
  readonly rules: 'native' | 'partial' | 'client';
  /** Retries later than "now": the longest retry delay the transport can honour. */
  readonly retryDelay: false | { readonly maxMs: number };
  /**
   * Counting, peeking, redriving and purging dead letters (`bus.deadLetters(…).count()` and the
   * rest). Absent: the transport offers none of it and core throws
   * `UnsupportedFeatureError`; consuming dead letters works regardless.
   */
  readonly deadLetterManagement?: DeadLetterManagementCapabilities;
}

/** How a transport manages dead letters. */
export interface DeadLetterManagementCapabilities {
  /**
   * `'exact'`: the broker reports the number. `'approximate'`: the broker reports an estimate
   * (SQS). `'scan'`: there is no native count; the transport leases every letter to count it.
   */
  readonly count: 'exact' | 'approximate' | 'scan';
  /**
   * `'browse'`: the broker shows messages without touching them. `'lock'`: it can only show a
   * message by leasing it, so a peek hides it from other readers for a moment.
   */
  readonly peek: 'browse' | 'lock';
  /** Whether a subscription's dead letters can go back to that one subscription only. */
  readonly redriveToSubscription: boolean;
}
