import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ServiceName, type ServiceSettings, serviceEnvironment } from './service-settings.js';

const entry = fileURLToPath(new URL('./service-process.ts', import.meta.url));

/** One service process: started, killed and stopped on the orchestrator's command. */
export interface SupervisedService {
  readonly name: ServiceName;
  readonly pid: number | undefined;
  /** Forks the process and resolves when its consumers run. */
  start(): Promise<void>;
  /** SIGKILL: no drain, no goodbye; what it held unacknowledged goes back to its queue. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export function superviseService(name: ServiceName, settings: ServiceSettings): SupervisedService {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const signal = async (signal: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };

  return {
    name,
    get pid() {
      return child?.pid;
    },
    start() {
      const started = fork(entry, [name], {
        env: { ...process.env, ...serviceEnvironment(settings) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
        started.once('message', (message) => {
          if (message !== 'ready') return;
          clearTimeout(timer);
          resolve();
        });
        started.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited while starting (${signal ?? `code ${code}`})`));
        });
      });
    },
    kill: () => signal('SIGKILL'),
    async stop(graceMs) {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
      await signal('SIGTERM');
      clearTimeout(timer);
    },
  };
}
