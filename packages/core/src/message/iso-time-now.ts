let lastMillisecond = Number.NaN;
let lastText = '';

/**
 * The current time as `Date#toISOString` writes it (RFC 3339, millisecond precision). Formatting
 * a date costs about a microsecond, more than the rest of stamping a message; within one
 * millisecond the text is the same, so it is formatted once per millisecond.
 */
export function isoTimeNow(): string {
  const now = Date.now();
  if (now !== lastMillisecond) {
    lastMillisecond = now;
    lastText = new Date(now).toISOString();
  }
  return lastText;
}
