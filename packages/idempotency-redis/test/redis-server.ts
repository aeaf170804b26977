import { Socket } from 'node:net';

/** The Redis the tests use; override with OMNIBUS_REDIS_URL. */
export const redisUrl = process.env.OMNIBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Why the Redis tests cannot run (the server does not answer), or undefined when they can. Under
 * CI an unreachable server is a failure, never a skip.
 */
export async function redisUnavailable(): Promise<string | undefined> {
  const { hostname, port } = new URL(redisUrl);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || 6379), hostname, () => done(true));
  });
  if (reachable) return undefined;
  const reason = `Redis is not reachable at ${hostname}:${port || 6379}; start it with \`docker run -d -p 6379:6379 redis:7\` (or set OMNIBUS_REDIS_URL)`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`Skipping Redis tests: ${reason}.`);
  return reason;
}
