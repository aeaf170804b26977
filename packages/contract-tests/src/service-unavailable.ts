import { Socket } from 'node:net';

/** The server a test file needs, for `serviceUnavailable`. */
export interface ServiceCheck {
  /** How people call it, e.g. `'Redis'`; starts the skip message. */
  name: string;
  /** Where it listens; only the host and port are used, and only a TCP connection is tried. */
  url: string;
  /** The port when `url` names none, e.g. 6379. */
  defaultPort: number;
  /** How to start it, e.g. ``'`docker run -d -p 6379:6379 redis:7` (or set OMNIBUS_REDIS_URL)'``. */
  howToStart: string;
  /** How long to wait for the connection, in milliseconds. @default 1000 */
  timeoutMs?: number;
}

/**
 * Why the tests that need a server cannot run here (it does not accept a connection), or
 * `undefined` when they can. Outside CI the reason is printed as one line and the caller skips
 * (pass it to `describe.skipIf`, or as `unavailable` to a suite); under `CI=true` an unreachable
 * server is a failure, never a skip, so this throws.
 *
 * ```ts
 * const unavailable = await serviceUnavailable({ name: 'Redis', url, defaultPort: 6379, howToStart });
 * ```
 */
export async function serviceUnavailable(check: ServiceCheck): Promise<string | undefined> {
  const { hostname: bracketed, port } = new URL(check.url);
  const hostname = bracketed.replace(/^\[|\]$/g, ''); // an IPv6 host comes bracketed
  const address = `${hostname}:${port || check.defaultPort}`;
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(check.timeoutMs ?? 1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || check.defaultPort), hostname, () => done(true));
  });
  if (reachable) return undefined;
  const reason = `${check.name} is not reachable at ${address}; start it with ${check.howToStart}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`Skipping ${check.name} tests: ${reason}.`);
  return reason;
}
