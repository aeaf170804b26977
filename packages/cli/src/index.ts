/**
 * @omnibus/cli — the `omnibus` command. Programs may also run a command line in-process with
 * `runCli`, which resolves with the exit code.
 */
export { runCli } from './run-cli.js';
export { ExitCode } from './exit-codes.js';
export type { CliIo } from './cli-io.js';
