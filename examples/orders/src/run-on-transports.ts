import { formatSummary, runOrderFlow } from './order-flow.js';
import { startOrderTracing } from './order-tracing.js';
import { transportRunners as runners } from './transport-runners.js';

/**
 * Runs the order flow on each named transport (see transport-runners.ts for what each starts).
 * Prints one summary line per transport and exits non-zero if any invariant breaks. With `--trace`,
 * the OpenTelemetry SDK records every run in memory and each order must be one connected trace.
 *
 *   npm run example:transports -- [--trace] memory amqp aws gcp-pubsub azure-servicebus
 */
const args = process.argv.slice(2);
const tracing = args.includes('--trace') ? startOrderTracing() : undefined;
const requested = args.filter((arg) => arg !== '--trace');
const names = requested.length > 0 ? requested : Object.keys(runners);
let failed = false;
for (const name of names) {
  const runner = runners[name];
  if (!runner) {
    console.error(`Unknown transport '${name}'. Known: ${Object.keys(runners).join(', ')}`);
    process.exit(2);
  }
  const { url, stop } = await runner();
  try {
    const summary = await runOrderFlow({
      transport: url,
      orders: 20,
      timeoutMs: 180_000,
      ...(tracing ? { tracing } : {}),
    });
    console.log(`${name}: ${formatSummary(summary)}`);
    if (!summary.ok) {
      failed = true;
      const { traces: _traces, ...figures } = summary;
      console.error(`${name}: an invariant broke`, figures);
    }
  } catch (error) {
    failed = true;
    console.error(`${name}: the order flow failed:`, error);
  } finally {
    await stop();
  }
}
process.exit(failed ? 1 : 0);
