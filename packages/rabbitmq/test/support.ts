import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A name no parallel test uses. */
export const uniqueName = (label: string) => `rmq-${label}-${randomBytes(4).toString('hex')}`;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `predicate` holds or fails after `timeoutMs`, saying what was awaited. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await sleep(20);
  }
}

/** `rabbitmqctl` with its arguments; resolves with stdout. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

/**
 * Closes, from the broker's side, every connection whose client-provided name is `name` — a
 * connection loss for this test's transports only, without disturbing other users of the broker.
 */
export async function closeConnectionsNamed(name: string): Promise<number> {
  const listing = await rabbitmqctl(
    'list_connections',
    '-q',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  let closed = 0;
  for (const line of listing.split('\n')) {
    if (!line.includes(`"${name}"`)) continue;
    const pid = line.split('\t')[0]?.trim();
    if (!pid) continue;
    await rabbitmqctl('close_connection', pid, 'omnibus fault test').catch(() => {});
    closed++;
  }
  return closed;
}

/**
 * Deletes queues a test declared (with their `.dlq`), so repeated runs leave nothing behind: every
 * quorum queue holds some of the broker's file handles.
 */
export async function deleteQueues(url: string, queues: Iterable<string>): Promise<void> {
  const { default: amqp } = await import('amqplib');
  const connection = await amqp.connect(url);
  connection.on('error', () => {});
  try {
    for (const queue of queues) {
      for (const name of [queue, `${queue}.dlq`]) {
        const channel = await connection.createChannel();
        channel.on('error', () => {});
        await channel.deleteQueue(name).catch(() => {});
        await channel.close().catch(() => {});
      }
    }
  } finally {
    await connection.close().catch(() => {});
  }
}
