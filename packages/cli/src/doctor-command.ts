import {
  type Bus,
  ConfigurationError,
  ConnectionError,
  OmnibusError,
  TransportNotInstalledError,
} from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';
import { type CliIo, printLine } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { openBus, transportUrl } from './open-bus.js';
import type { CommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/** One check `omnibus doctor` ran. */
interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a failed check. */
  readonly hint?: string;
}

/**
 * `omnibus doctor [--queue Q]`: can the transport be loaded and reached with these credentials,
 * what can it do, and (with `--queue`) may this identity read the queue's dead letters.
 */
export async function doctorCommand(line: CommandLine, io: CliIo): Promise<ExitCode> {
  if (line.positionals.length > 1) throw new UsageError(`Unexpected argument '${line.positionals[1]}'.`);
  const url = transportUrl(line, io);
  const checks: Check[] = [];
  let bus: Bus | undefined;
  try {
    bus = await openBus(url);
    checks.push({
      name: 'connectivity and credentials',
      ok: true,
      detail: `connected to ${redactSecrets(url)} (${bus.transportName})`,
    });
  } catch (error) {
    checks.push({ name: 'connectivity and credentials', ok: false, ...explain(error) });
  }
  if (bus) {
    const capabilities = bus.capabilities;
    const management = capabilities.deadLetterManagement;
    checks.push({
      name: 'capabilities',
      ok: true,
      detail: `delay ${capabilities.delay === false ? 'none' : `up to ${capabilities.delay.maxMs} ms (${capabilities.delay.mode})`}; ordering ${capabilities.ordering}; max message ${capabilities.maxMessageBytes} bytes; dead letters ${capabilities.deadLetter}; rules ${capabilities.rules}`,
    });
    checks.push(
      management
        ? {
            name: 'dead-letter management',
            ok: true,
            detail: `count ${management.count}, peek ${management.peek}${management.peek === 'lock' ? ' (peeking hides letters from other readers for a moment)' : ''}, redrive to a subscription ${management.redriveToSubscription ? 'yes' : 'no (use --to)'}`,
          }
        : {
            name: 'dead-letter management',
            ok: false,
            detail: `the ${bus.transportName} transport offers no count, peek, redrive or purge`,
            hint: 'consume the dead letters in code with bus.deadLetters(queue).consume(handler).',
          },
    );
    if (line.queue !== undefined) {
      try {
        const { count, accuracy } = await bus.deadLetters(line.queue).count();
        checks.push({
          name: `permissions on '${line.queue}'`,
          ok: true,
          detail: `may read its dead letters (${accuracy} count ${count})`,
        });
      } catch (error) {
        checks.push({ name: `permissions on '${line.queue}'`, ok: false, ...explain(error) });
      }
    }
    await bus.close().catch(() => {});
  }

  const ok = checks.every((check) => check.ok);
  if (line.json) printLine(io, JSON.stringify({ ok, checks }));
  else {
    for (const check of checks) {
      printLine(io, `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}`);
      if (check.hint) printLine(io, `      fix: ${check.hint}`);
    }
  }
  return ok ? ExitCode.ok : ExitCode.failure;
}

function explain(error: unknown): { detail: string; hint?: string } {
  const detail = error instanceof Error ? error.message : String(error);
  if (TransportNotInstalledError.isInstance(error))
    return { detail, hint: `npm install ${error.packageName} next to @omnibus/cli.` };
  if (ConnectionError.isInstance(error))
    return {
      detail,
      hint: 'check the host and port in the URL, that the broker runs, and that a firewall lets you through.',
    };
  if (ConfigurationError.isInstance(error))
    return {
      detail,
      hint: 'check the URL, the credentials in it or in the environment, and that the named entity exists (omnibus creates nothing).',
    };
  if (OmnibusError.isInstance(error))
    return { detail, hint: 'check that this identity may read the queue and its dead-letter queue.' };
  return { detail };
}
