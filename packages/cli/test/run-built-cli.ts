import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built bin, as `npm install -g @omnibus/cli` would run it. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Why the built-bin tests cannot run (no build), or undefined. Under CI a missing build fails. */
export function buildMissing(): string | undefined {
  if (existsSync(BIN)) return undefined;
  const reason = `the CLI is not built (${'packages/cli/dist/bin.js'} is missing): run npm run build first`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`Skipping the CLI tests: ${reason}.`);
  return reason;
}

/** What one run of the bin produced. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = unknown>(): T;
}

/** Runs the built bin with `args` in a child process, stdin closed (not a terminal). */
export function runBuiltCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { onSpawn?: (kill: (signal: NodeJS.Signals) => void) => void } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}): ${stdout}\nstderr: ${stderr}`);
          }
        },
      }),
    );
    options.onSpawn?.((signal) => child.kill(signal));
  });
}
