import { redactSecrets } from '../config/redact.js';
import type { Logger } from './logger.js';

/**
 * Wraps the bus logger so no line it writes carries a secret: the message and every string or
 * error field pass through `redactSecrets`. Errors become `<name>: <message>` strings, since an
 * error object would print its unredacted message and cause chain.
 */
export function createRedactingLogger(logger: Logger): Logger {
  const write =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void =>
      fields === undefined
        ? logger[level](redactSecrets(message))
        : logger[level](redactSecrets(message), redactFields(fields));
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') redacted[name] = redactSecrets(value);
    else if (value instanceof Error) redacted[name] = redactSecrets(`${value.name}: ${value.message}`);
    else redacted[name] = value;
  }
  return redacted;
}
