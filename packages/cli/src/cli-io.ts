/** Where the CLI reads and writes: the process's streams, or test doubles. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT: a redrive or purge stops after the batch in flight. */
  readonly signal: AbortSignal;
}

/** Writes one line to stdout. */
export function printLine(io: CliIo, line: string): void {
  io.stdout.write(`${line}\n`);
}

/** Writes one line to stderr. */
export function printError(io: CliIo, line: string): void {
  io.stderr.write(`${line}\n`);
}
