import { connect } from 'node:net';

/**
 * npm run example:processes [-- <transport>] [--orders N] [--seed N] [--failure-rate R]
 *
 * Runs each service of the order example as its own OS process on a shared broker, with state and
 * idempotency keys in Redis, kills the payment service mid-run and checks that it catches up. The
 * broker is `OMNIBUS_TRANSPORT`, or a transport named as the argument (`amqp`, `aws`, `gcp-pubsub`:
 * emulators are started here and reached over the network by every process), else RabbitMQ on
 * 127.0.0.1:5672. Redis is `OMNIBUS_REDIS_URL`, else redis://127.0.0.1:6379.
 */
const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const named = args.find((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
const orders = Number(flag('orders') ?? 60);
const seed = Number(flag('seed') ?? 42);
const failureRate = Number(flag('failure-rate') ?? 0.3);
if (
  !Number.isInteger(orders) ||
  orders < 3 ||
  !Number.isFinite(seed) ||
  !(failureRate >= 0 && failureRate < 1)
) {
  console.error(
    'usage: npm run example:processes -- [amqp|aws|gcp-pubsub] [--orders N>=3] [--seed N] [--failure-rate 0..0.99]',
  );
  process.exit(2);
}

// Every process of the run, this one included, uses queue names in the run's own namespace.
const runId = `p${Date.now().toString(36)}`;
process.env.OMNIBUS_ORDERS_NAMESPACE = runId;
const { transportRunners } = await import('../transport-runners.js');
const { formatProcessesSummary, runProcesses } = await import('./run-processes.js');
const { deleteRabbitMqQueues } = await import('./delete-rabbitmq-queues.js');
const { orderRuleNames } = await import('../order-rules.js');

const redisUrl = process.env.OMNIBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
let transport = named ? undefined : process.env.OMNIBUS_TRANSPORT;
let stopEmulators = async () => {};
if (!transport) {
  const runner = transportRunners[named ?? 'amqp'];
  if (!runner) {
    console.error(`Unknown transport '${named}'. Known here: amqp, aws, gcp-pubsub`);
    process.exit(2);
  }
  const started = await runner();
  if (typeof started.url !== 'string') {
    await started.stop();
    console.error(
      `${named} runs in one process only here (its emulator is administered in-process); pick amqp, aws or gcp-pubsub`,
    );
    process.exit(2);
  }
  transport = started.url;
  stopEmulators = started.stop;
}
if (transport.startsWith('memory:')) {
  console.error(
    'memory:// lives inside one process; the services need a shared broker (OMNIBUS_TRANSPORT=amqp://…)',
  );
  process.exit(2);
}
for (const [what, url, hint] of [
  ['the broker', transport, 'start RabbitMQ with `rabbitmq-server -detached`, or set OMNIBUS_TRANSPORT'],
  ['Redis', redisUrl, 'start Redis, or set OMNIBUS_REDIS_URL'],
] as const) {
  const address = tcpAddress(url);
  if (address && !(await reachable(address))) {
    console.error(`${what} is not reachable at ${address.host}:${address.port}: ${hint}`);
    process.exit(1);
  }
}

const scheme = transport.split(':')[0];
console.log(
  `Running the order services as separate processes on ${scheme}:// with Redis (${orders} orders, seed ${seed})`,
);
let exitCode = 1;
try {
  const summary = await runProcesses({
    transport,
    redisUrl,
    runId,
    orders,
    seed,
    failureRate,
    timeoutMs: 180_000,
    report: (line) => console.log(`  ${line}`),
    cleanUp: async (bus) => {
      for (const rule of orderRuleNames()) await bus.rules.delete(rule);
      if (scheme === 'amqp' || scheme === 'amqps')
        await deleteRabbitMqQueues(transport, ['email-sender', 'sms-sender']);
    },
  });
  console.log(formatProcessesSummary(summary));
  if (summary.ok && summary.caughtUp) exitCode = 0;
  else console.error('An invariant broke or the services did not catch up: see the summary line.');
} finally {
  await stopEmulators();
}
process.exit(exitCode);

/** host and port of a URL with a TCP authority (amqp://, redis://…), or undefined for others. */
function tcpAddress(url: string): { host: string; port: number } | undefined {
  const defaults: Record<string, number> = { 'amqp:': 5672, 'redis:': 6379 };
  try {
    const parsed = new URL(url);
    const port = Number(parsed.port) || defaults[parsed.protocol];
    return port && parsed.hostname ? { host: parsed.hostname, port } : undefined;
  } catch {
    return undefined;
  }
}

function reachable(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host);
    socket.setTimeout(2_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
