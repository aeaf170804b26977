import { inspect } from 'node:util';
import type { Logger } from '@omnibus/core';

/**
 * Captures everything a piece of code could leak a secret through, for a test to search: lines
 * written to its `logger`, values handed to `record` (errors with their cause chains and stacks,
 * dead letters, headers), and whatever reaches `console`, `process.stdout` and `process.stderr`
 * while the probe runs.
 */
export interface SecretLeakProbe {
  /** A logger that records every line and its fields. */
  readonly logger: Logger;
  /** Records a value as `util.inspect` shows it in full (an error's message, stack and causes). */
  record(value: unknown): void;
  /** Everything captured so far, one entry a line. */
  output(): string;
  /** Restores `console` and the standard streams. */
  stop(): void;
}

/**
 * Starts capturing; call `stop()` in a `finally`. The probe never hides output: what it captures
 * still reaches the original console and streams.
 */
export function startSecretLeakProbe(): SecretLeakProbe {
  const lines: string[] = [];
  const show = (value: unknown) =>
    typeof value === 'string'
      ? value
      : inspect(value, { depth: 12, showHidden: true, breakLength: Infinity });
  const record = (...values: unknown[]) => lines.push(values.map(show).join(' '));

  const restore: (() => void)[] = [];
  for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
    const original = console[level];
    console[level] = (...values: unknown[]) => {
      record(...values);
      original.apply(console, values);
    };
    restore.push(() => {
      console[level] = original;
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      record(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      record(`[${level}] ${message}`, ...(fields === undefined ? [] : [fields]));
    };
  return {
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    record: (value) => record(value),
    output: () => lines.join('\n'),
    stop: () => {
      for (const undo of restore.splice(0)) undo();
    },
  };
}
