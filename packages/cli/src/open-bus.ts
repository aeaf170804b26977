import { type Bus, createBus, createConsoleLogger } from '@omnibus/core';
import type { CliIo } from './cli-io.js';
import type { CommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/** The transport URL from `--transport` or `OMNIBUS_TRANSPORT`. */
export function transportUrl(line: CommandLine, io: CliIo): string {
  const url = line.transport ?? io.env.OMNIBUS_TRANSPORT;
  if (url === undefined || url.trim() === '')
    throw new UsageError('Say which transport: --transport URL, or set OMNIBUS_TRANSPORT.');
  return url;
}

/**
 * Opens a bus that creates nothing: an operator's typo must fail naming the missing queue, not
 * create an empty one. Omnibus's own log lines go to stderr, errors only.
 */
export function openBus(url: string): Promise<Bus> {
  return createBus({
    transport: url,
    provision: 'never',
    source: 'omnibus-cli',
    logger: createConsoleLogger('error'),
  });
}
