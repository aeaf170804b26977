import { formatSummary, runOrderFlow } from './order-flow.js';
import { startOrderTracing } from './order-tracing.js';
import { writeTracePicture } from './trace-picture.js';

// npm run example [-- --orders 50] [--trace [--trace-svg file.svg]]. The transport comes from
// OMNIBUS_TRANSPORT (default memory://).
const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const number = (value: string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value);

const transport = process.env.OMNIBUS_TRANSPORT ?? 'memory://';
const orders = number(flag('orders') ?? process.env.OMNIBUS_ORDERS, 20);
const seed = number(flag('seed') ?? process.env.OMNIBUS_SEED, 42);
const failureRate = number(flag('failure-rate') ?? process.env.OMNIBUS_FAILURE_RATE, 0.3);
const picture = flag('trace-svg');
const tracing = args.includes('--trace') || picture !== undefined ? startOrderTracing() : undefined;

if (
  !Number.isInteger(orders) ||
  orders < 1 ||
  !Number.isFinite(seed) ||
  !(failureRate >= 0 && failureRate < 1)
) {
  console.error(
    'usage: npm run example -- [--orders N>=1] [--seed N] [--failure-rate 0..0.99] [--trace] [--trace-svg file.svg]',
  );
  process.exit(2);
}

const scheme = transport.split(':')[0];
console.log(
  `Submitting ${orders} orders on ${scheme}:// (seed ${seed}, ${Math.round(failureRate * 100)}% injected failures after charging)`,
);
// With ORDERS_DATABASE_URL the stock service keeps stock in PostgreSQL and announces reservations
// through the transactional outbox and inbox of @omnibus/outbox-postgres.
const databaseUrl = process.env.ORDERS_DATABASE_URL;
if (databaseUrl) console.log('  stock service: PostgreSQL with the transactional outbox and inbox');
if (tracing) console.log('  tracing: OpenTelemetry SDK, always-on sampler, in-memory exporter');
const summary = await runOrderFlow({
  transport,
  ...(databaseUrl ? { databaseUrl } : {}),
  orders,
  seed,
  failureRate,
  ...(tracing ? { tracing } : {}),
  onProgress: (done, total) => process.stdout.write(`\r  settled and notified: ${done}/${total}`),
});
process.stdout.write('\n');
console.log(formatSummary(summary));
if (picture && summary.traces)
  console.log(`  one order's trace drawn in ${writeTracePicture(picture, summary.traces)}`);
if (!summary.ok) {
  console.error(
    tracing
      ? 'An invariant broke: every order must be confirmed or failed once, charged at most once, notified by email and SMS, and be one connected trace.'
      : 'An invariant broke: every order must be confirmed or failed once, charged at most once, and notified by email and SMS.',
  );
  process.exit(1);
}
