import {
  type Bus,
  type DeadLetters,
  type EventPattern,
  InvalidPatternError,
  validatePattern,
} from '@omnibus/core';
import { type CliIo, printError, printLine } from './cli-io.js';
import { confirm } from './confirm.js';
import { ExitCode } from './exit-codes.js';
import { deadLetterJson, deadLetterText } from './format-dead-letter.js';
import { openBus, transportUrl } from './open-bus.js';
import type { CommandLine } from './parse-command-line.js';
import { createProgressBar } from './progress-bar.js';
import { UsageError } from './usage-error.js';

const ACTIONS = ['count', 'peek', 'redrive', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

/** `omnibus dlq count|peek|redrive|purge <queue> [--subscription S] …`. */
export async function dlqCommand(line: CommandLine, io: CliIo): Promise<ExitCode> {
  const [, action, name, ...extra] = line.positionals;
  if (!ACTIONS.includes(action as Action))
    throw new UsageError(
      `dlq needs one of ${ACTIONS.join(', ')}; got ${action === undefined ? 'nothing' : `'${action}'`}.`,
    );
  if (name === undefined)
    throw new UsageError(`dlq ${action} needs the queue (or topic, with --subscription).`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  checkOptionsFor(action as Action, line);
  const pattern = line.pattern === undefined ? undefined : parsePattern(line.pattern);
  const url = transportUrl(line, io);
  const where =
    line.subscription === undefined ? `'${name}'` : `subscription '${line.subscription}' of topic '${name}'`;

  const bus = await openBus(url);
  try {
    const dlq = bus.deadLetters(
      line.subscription === undefined ? name : { topic: name, subscription: line.subscription },
    );
    switch (action as Action) {
      case 'count':
        return await count(dlq, line, io, where);
      case 'peek':
        return await peek(dlq, line, io, where);
      case 'redrive':
        return await redrive(bus, dlq, line, io, where, pattern);
      case 'purge':
        return await purge(dlq, line, io, where);
    }
  } finally {
    await bus.close();
  }
}

async function count(dlq: DeadLetters, line: CommandLine, io: CliIo, where: string): Promise<ExitCode> {
  const { count, accuracy } = await dlq.count();
  if (line.json) printLine(io, JSON.stringify({ count, accuracy }));
  else
    printLine(
      io,
      `${accuracy === 'approximate' ? 'about ' : ''}${count} dead letter${count === 1 ? '' : 's'} in ${where}`,
    );
  return ExitCode.ok;
}

async function peek(dlq: DeadLetters, line: CommandLine, io: CliIo, where: string): Promise<ExitCode> {
  const letters = await dlq.peek({ limit: line.limit ?? 10 });
  if (line.json) {
    printLine(io, JSON.stringify(letters.map(deadLetterJson)));
    return ExitCode.ok;
  }
  if (letters.length === 0) printLine(io, `No dead letters in ${where}.`);
  for (const letter of letters) printLine(io, `${deadLetterText(letter)}\n`);
  return ExitCode.ok;
}

async function redrive(
  bus: Bus,
  dlq: DeadLetters,
  line: CommandLine,
  io: CliIo,
  where: string,
  pattern: EventPattern | undefined,
): Promise<ExitCode> {
  const { count, accuracy } = await dlq.count();
  const target = line.to === undefined ? 'where they failed' : `queue '${line.to}'`;
  const scope = describeScope(line, pattern !== undefined, count, accuracy === 'approximate');
  if (
    !line.yes &&
    !(await confirm(io, `Redrive ${scope} of ${where} to ${target} on ${bus.transportName}?`))
  ) {
    printError(io, 'Nothing was redriven.');
    return ExitCode.failure;
  }
  const bar = createProgressBar(io, 'redriving', !line.json);
  let result: Awaited<ReturnType<DeadLetters['redrive']>>;
  try {
    result = await dlq.redrive({
      ...(line.limit !== undefined ? { limit: line.limit } : {}),
      ...(line.ids !== undefined ? { ids: line.ids } : {}),
      ...(pattern !== undefined ? { pattern } : {}),
      ...(line.to !== undefined ? { to: line.to } : {}),
      ...(line.rate !== undefined ? { ratePerSecond: line.rate } : {}),
      onProgress: (progress) => bar.update(progress),
      signal: io.signal,
    });
  } finally {
    bar.stop();
  }
  return reportOutcome(io, line, `moved ${result.moved}`, result);
}

async function purge(dlq: DeadLetters, line: CommandLine, io: CliIo, where: string): Promise<ExitCode> {
  const { count, accuracy } = await dlq.count();
  const scope = describeScope(line, line.olderThan !== undefined, count, accuracy === 'approximate');
  if (!line.yes && !(await confirm(io, `Delete ${scope} of ${where} for good?`))) {
    printError(io, 'Nothing was purged.');
    return ExitCode.failure;
  }
  const bar = createProgressBar(io, 'purging', !line.json);
  let result: Awaited<ReturnType<DeadLetters['purge']>>;
  try {
    result = await dlq.purge({
      ...(line.ids !== undefined ? { ids: line.ids } : {}),
      ...(line.olderThan !== undefined ? { olderThan: line.olderThan } : {}),
      onProgress: (progress) => bar.update(progress),
      signal: io.signal,
    });
  } finally {
    bar.stop();
  }
  return reportOutcome(io, line, `purged ${result.purged}`, result);
}

function describeScope(line: CommandLine, filtered: boolean, count: number, approximate: boolean): string {
  if (line.ids !== undefined)
    return `${line.ids.length} dead letter${line.ids.length === 1 ? '' : 's'} by id`;
  const all = `${approximate ? 'about ' : ''}${count} dead letter${count === 1 ? '' : 's'}`;
  const limited =
    line.limit !== undefined && line.limit < count ? `up to ${line.limit} of the ${all}` : `the ${all}`;
  return filtered ? `${limited} that match` : limited;
}

function checkOptionsFor(action: Action, line: CommandLine): void {
  const allowed: Record<Action, readonly (keyof CommandLine)[]> = {
    count: [],
    peek: ['limit'],
    redrive: ['limit', 'ids', 'pattern', 'to', 'rate', 'yes'],
    purge: ['ids', 'olderThan', 'yes'],
  };
  const flags: [keyof CommandLine, string][] = [
    ['limit', '--limit'],
    ['ids', '--id'],
    ['pattern', '--pattern'],
    ['to', '--to'],
    ['rate', '--rate'],
    ['olderThan', '--older-than'],
    ['queue', '--queue'],
  ];
  for (const [key, flag] of flags) {
    if (line[key] !== undefined && !allowed[action].includes(key))
      throw new UsageError(`dlq ${action} does not take ${flag}.`);
  }
}

function parsePattern(text: string): EventPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw new UsageError(
      `--pattern must be a JSON event pattern such as '{"type":["OrderPlaced"]}'; got '${text}'.`,
    );
  }
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern))
    throw new UsageError('--pattern must be a JSON object (an EventBridge-style event pattern).');
  try {
    validatePattern(pattern as EventPattern);
  } catch (error) {
    if (InvalidPatternError.isInstance(error)) throw new UsageError(`--pattern: ${error.message}`);
    throw error;
  }
  return pattern as EventPattern;
}

/**
 * Prints how a redrive or purge ended (JSON, or one line plus its errors) and picks the exit code:
 * a failure when any message failed or the run was interrupted.
 */
function reportOutcome(
  io: CliIo,
  line: CommandLine,
  done: string,
  result: { skipped: number; failed: number; errors: readonly string[] },
): ExitCode {
  const interrupted = io.signal.aborted;
  if (line.json) printLine(io, JSON.stringify({ ...result, interrupted }));
  else {
    printLine(
      io,
      `${done}, skipped ${result.skipped}, failed ${result.failed}${interrupted ? ' (interrupted)' : ''}`,
    );
    for (const error of result.errors) printError(io, `  ${error}`);
  }
  return result.failed > 0 || interrupted ? ExitCode.failure : ExitCode.ok;
}
