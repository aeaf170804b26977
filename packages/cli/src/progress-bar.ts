import { SingleBar } from 'cli-progress';
import type { DeadLetterProgress } from '@omnibus/core';
import type { CliIo } from './cli-io.js';

/** Shows progress of a redrive or purge on stderr when it is a terminal; silent otherwise. */
export interface ProgressBar {
  update(progress: DeadLetterProgress): void;
  stop(): void;
}

export function createProgressBar(io: CliIo, verb: string, enabled: boolean): ProgressBar {
  if (!enabled || !io.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    stream: io.stderr,
    format: `${verb} [{bar}] {value}/{total} | skipped {skipped} | failed {failed} | {eta_formatted} left`,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(progress) {
      const seen = progress.done + progress.skipped + progress.failed;
      // The count at the start is approximate on some brokers: never show more than 100%.
      const total = Math.max(progress.total, seen);
      const payload = { skipped: progress.skipped, failed: progress.failed };
      if (!started) {
        bar.start(total, seen, payload);
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(seen, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
