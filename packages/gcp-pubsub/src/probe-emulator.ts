import { Socket } from 'node:net';

/** How long the emulator may take to accept a TCP connection. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Resolves once `host:port` accepts a TCP connection; rejects with the socket error (`ECONNREFUSED`,
 * `ENOTFOUND`, or `ETIMEDOUT` after the timeout) otherwise. Used on the emulator only: the gRPC
 * client would retry an unreachable emulator for a minute before failing, while a refused local
 * connection is known at once. The real endpoint is not probed, since a proxy may stand in between.
 */
export function probeEmulator(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        Object.assign(new Error(`connect ETIMEDOUT ${host}:${port} (no answer in ${timeoutMs} ms)`), {
          code: 'ETIMEDOUT',
        }),
      );
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
    socket.connect(port, host, () => {
      socket.destroy();
      resolve();
    });
  });
}
