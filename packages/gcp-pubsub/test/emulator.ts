import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Where the tests expect the Pub/Sub emulator. */
export const EMULATOR_HOST = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
export const PROJECT_ID = 'omnibus-test';

const START_HINT =
  'start it with: "$(gcloud info --format=\'value(installation.sdk_root)\')/platform/pubsub-emulator/bin/cloud-pubsub-emulator" --host=127.0.0.1 --port=8085';

function emulatorBinaryExists(): boolean {
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
    }).trim();
    return root !== '' && existsSync(`${root}/platform/pubsub-emulator/bin/cloud-pubsub-emulator`);
  } catch {
    return false;
  }
}

async function reachable(): Promise<boolean> {
  try {
    const response = await fetch(`http://${EMULATOR_HOST}/`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Whether the suites can run: yes when the emulator answers. When it does not: outside CI the
 * suites skip with one line saying how to start it; under CI=true that is a failure, unless the
 * emulator is not installed on this machine at all, which skips with one loud line.
 */
export async function emulatorAvailable(): Promise<boolean> {
  if (await reachable()) return true;
  if (process.env.CI === 'true') {
    if (!emulatorBinaryExists()) {
      console.warn(
        '!!! SKIPPING @omnibus/gcp-pubsub suites: the Pub/Sub emulator is not installed on this machine (google-cloud-cli-pubsub-emulator). !!!',
      );
      return false;
    }
    throw new Error(`The Pub/Sub emulator is not reachable at ${EMULATOR_HOST} under CI=true; ${START_HINT}`);
  }
  console.warn(`Skipping @omnibus/gcp-pubsub suites: no Pub/Sub emulator at ${EMULATOR_HOST}; ${START_HINT}`);
  return false;
}
