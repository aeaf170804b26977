import type { DeadLetterMessage } from '@omnibus/core';

/** A dead letter as JSON for `--json`: dates as RFC 3339, an undecodable body as base64. */
export function deadLetterJson(letter: DeadLetterMessage): Record<string, unknown> {
  const { body, failure, ...rest } = letter;
  return {
    ...rest,
    ...(letter.decoded ? {} : { bodyBase64: Buffer.from(body).toString('base64') }),
    failure: {
      ...failure,
      firstFailedAt: failure.firstFailedAt?.toISOString(),
      lastFailedAt: failure.lastFailedAt?.toISOString(),
    },
  };
}

/** A dead letter for a person: a header line, the reason, then the data (or the raw bytes). */
export function deadLetterText(letter: DeadLetterMessage): string {
  const failure = letter.failure;
  const lines = [
    `${letter.id}  ${letter.type ?? '(no type)'}  attempts ${failure.attempts ?? '?'}  failed ${failure.lastFailedAt?.toISOString() ?? '?'}` +
      (failure.redriven > 0
        ? `  redriven ${failure.redriven}x, first failed ${failure.firstFailedAt?.toISOString()}`
        : ''),
    `  reason: ${failure.reason}`,
    `  from:   ${failure.originalQueue ?? '?'}`,
  ];
  const headers = Object.entries(letter.headers);
  if (headers.length > 0)
    lines.push(`  headers: ${headers.map(([name, value]) => `${name}=${value}`).join(', ')}`);
  lines.push(
    letter.decoded
      ? `  data:   ${truncate(JSON.stringify(letter.data))}`
      : `  body (undecodable, ${letter.body.byteLength} bytes): ${truncate(JSON.stringify(Buffer.from(letter.body).toString('latin1')))}`,
  );
  return lines.join('\n');
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
