import { connect } from 'node:net';

/** The broker the tests use: `RABBITMQ_URL`, or the local default. */
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** How to start the broker, printed once when it is unreachable. */
export const START_HINT =
  'RabbitMQ is not reachable at ' +
  RABBITMQ_URL.replace(/:[^:@/]*@/, ':***@') +
  ': start it with `rabbitmq-server -detached` (or set RABBITMQ_URL) to run the RabbitMQ suites.';

/**
 * Whether the broker accepts TCP connections. With CI=true an unreachable broker is a failure,
 * never a skip.
 */
export async function brokerReachable(): Promise<boolean> {
  const url = new URL(RABBITMQ_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 5672) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (!reachable && process.env.CI === 'true') throw new Error(START_HINT);
  if (!reachable) console.warn(START_HINT);
  return reachable;
}
