import { OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';
import { type CliIo, printError, printLine } from './cli-io.js';
import { dlqCommand } from './dlq-command.js';
import { doctorCommand } from './doctor-command.js';
import { ExitCode } from './exit-codes.js';
import { HELP_TEXT } from './help-text.js';
import { parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/**
 * Runs one `omnibus` command line and resolves with its exit code; never throws. Errors are one
 * line on stderr (with `--json`, also a `{ "error": … }` object on stdout), secrets redacted.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv);
    json = line.json;
    const command = line.positionals[0];
    if (line.help || command === undefined || command === 'help') {
      printLine(io, HELP_TEXT);
      return command === undefined && !line.help ? ExitCode.usage : ExitCode.ok;
    }
    switch (command) {
      case 'dlq':
        return await dlqCommand(line, io);
      case 'doctor':
        return await doctorCommand(line, io);
      default:
        throw new UsageError(`Unknown command '${command}'. Commands: dlq, doctor.`);
    }
  } catch (error) {
    const usage = error instanceof UsageError;
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    const code = OmnibusError.isInstance(error) ? error.code : usage ? 'usage' : 'unexpected';
    if (json) printLine(io, JSON.stringify({ error: { code, message } }));
    printError(io, `omnibus: ${message}`);
    if (usage) printError(io, 'Run omnibus --help for usage.');
    return usage ? ExitCode.usage : ExitCode.failure;
  }
}
