import { Socket } from 'node:net';

/** The PostgreSQL the tests use; override with OMNIBUS_POSTGRES_URL. */
export const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why the PostgreSQL tests cannot run (the server does not answer), or undefined when they can.
 * Under CI an unreachable server is a failure, never a skip.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const { hostname, port } = new URL(postgresUrl);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || 5432), hostname, () => done(true));
  });
  if (reachable) return undefined;
  const reason = `PostgreSQL is not reachable at ${hostname}:${port || 5432}; start it with \`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\` (or set OMNIBUS_POSTGRES_URL)`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`Skipping PostgreSQL tests: ${reason}.`);
  return reason;
}
