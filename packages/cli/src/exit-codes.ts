/** The exit codes of `omnibus`, documented in docs/operations/cli.md. */
export const ExitCode = {
  /** Everything asked for was done. */
  ok: 0,
  /** The command ran and failed: the broker refused, something could not be moved, a check failed. */
  failure: 1,
  /** The command line was wrong (unknown command or option, a bad value): nothing was attempted. */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
