import { createInterface } from 'node:readline/promises';
import type { CliIo } from './cli-io.js';
import { UsageError } from './usage-error.js';

/**
 * Asks the operator to confirm a destructive action on the terminal. Without a terminal (a script,
 * a pipe) there is nobody to ask: that is a usage error telling the caller to pass `--yes`.
 */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) {
    throw new UsageError(`${question} Refusing without a terminal to confirm on; pass --yes to go ahead.`);
  }
  const prompt = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    prompt.close();
  }
}
