import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** The options every command accepts, parsed once. */
export interface CommandLine {
  readonly positionals: readonly string[];
  readonly transport: string | undefined;
  readonly subscription: string | undefined;
  readonly queue: string | undefined;
  readonly limit: number | undefined;
  readonly ids: readonly string[] | undefined;
  readonly pattern: string | undefined;
  readonly to: string | undefined;
  readonly rate: number | undefined;
  readonly olderThan: Date | undefined;
  readonly yes: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

/** Parses `argv` (without `node` and the script), throwing `UsageError` for anything malformed. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  return {
    positionals,
    transport: values.transport,
    subscription: values.subscription,
    queue: values.queue,
    limit: values.limit === undefined ? undefined : positiveInteger('--limit', values.limit),
    ids: values.id,
    pattern: values.pattern,
    to: values.to,
    rate: values.rate === undefined ? undefined : positiveNumber('--rate', values.rate),
    olderThan: values['older-than'] === undefined ? undefined : time('--older-than', values['older-than']),
    yes: values.yes ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      transport: { type: 'string' },
      subscription: { type: 'string' },
      queue: { type: 'string' },
      limit: { type: 'string' },
      id: { type: 'string', multiple: true },
      pattern: { type: 'string' },
      to: { type: 'string' },
      rate: { type: 'string' },
      'older-than': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${option} must be a whole number of at least 1; got '${text}'.`);
  return value;
}

function positiveNumber(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${option} must be a number above 0; got '${text}'.`);
  return value;
}

function time(option: string, text: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime()))
    throw new UsageError(`${option} must be an ISO 8601 time such as 2026-01-31T00:00:00Z; got '${text}'.`);
  return value;
}
