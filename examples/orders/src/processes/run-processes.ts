import { type Bus, createBus } from '@omnibus/core';
import { createClient } from 'redis';
import { SKUS, DECLINED_CARD, generateOrders, type Order } from '../order-book.js';
import { Names } from '../messages.js';
import { authorizePaymentFor, reserveStockFor } from '../submit-order.js';
import { formatSummary, type OrderFlowSummary, withInvariants } from '../order-flow.js';
import { declareOrderRules } from '../order-rules.js';
import { RedisOrderRecords } from './redis-order-records.js';
import { superviseService } from './service-supervisor.js';
import { serviceNames, type ServiceSettings } from './service-settings.js';

export interface ProcessesRunOptions extends ServiceSettings {
  /** Give up waiting for the services to catch up after this long. */
  timeoutMs: number;
  /** Called with each line of progress. */
  report: (line: string) => void;
  /** Removes what the run declared on the broker, before the bus closes. */
  cleanUp?: (bus: Bus) => Promise<void>;
}

export interface ProcessesRunSummary extends OrderFlowSummary {
  killed: string;
  /** The most payment commands seen waiting at once (sent and not yet handled). */
  backlogPeak: number;
  caughtUp: boolean;
}

const financeThreshold = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The order system as separate processes on one broker: each service runs in its own process, state
 * lives in Redis. Orders are submitted in three waves; after the first, the payment service is
 * killed with SIGKILL, the second wave piles up in its queue, then it is started again and must catch
 * up with everything, charging nobody twice.
 */
export async function runProcesses(options: ProcessesRunOptions): Promise<ProcessesRunSummary> {
  const { report } = options;
  const orders = generateOrders(options.orders, options.seed, options.runId);
  const redis = createClient({ url: options.redisUrl });
  redis.on('error', () => {});
  await redis.connect();
  const records = new RedisOrderRecords(redis, options.runId);
  await records.stock(Object.fromEntries(SKUS.map((sku) => [sku, options.orders * 3])));

  const bus = await createBus({ transport: options.transport, source: 'orders' });
  const services = serviceNames.map((name) => superviseService(name, options));
  const payments = services.find((service) => service.name === 'payments')!;
  try {
    // The rules are declared by the process that submits orders, before any service emits.
    await declareOrderRules(bus, financeThreshold);
    await Promise.all(services.map((service) => service.start()));
    report(`started ${services.map((service) => `${service.name}(pid ${service.pid})`).join(' ')}`);

    const reserve = bus.producer(Names.reserveStock);
    const authorize = bus.producer(Names.authorizePayment);
    let sent = 0;
    let backlogPeak = 0;
    const backlog = async () => {
      const waiting = sent - (await records.paymentsHandled());
      backlogPeak = Math.max(backlogPeak, waiting);
      return waiting;
    };
    const submit = async (wave: Order[], onChunk?: (waiting: number) => void) => {
      for (let index = 0; index < wave.length; index += 5) {
        const chunk = wave.slice(index, index + 5);
        await reserve.send(chunk.map(reserveStockFor));
        await authorize.send(chunk.map(authorizePaymentFor));
        sent += chunk.length;
        onChunk?.(await backlog());
        await sleep(100);
      }
    };
    const third = Math.ceil(orders.length / 3);
    const waves = [orders.slice(0, third), orders.slice(third, 2 * third), orders.slice(2 * third)];

    // Killed while busy: part of the first wave is handled, the rest is in its queue or its hands.
    const firstWave = submit(waves[0]!);
    await until(async () => (await records.paymentsHandled()) >= Math.ceil(third / 2), 30_000);
    await payments.kill();
    report(`killed payments with SIGKILL after ${await records.paymentsHandled()} of ${sent} payments`);
    await firstWave;
    await submit(waves[1]!, (waiting) => report(`payments down, backlog: ${waiting} commands waiting`));
    await sleep(1_000);
    report(`payments backlog: ${await backlog()} commands waiting; restarting payments`);
    await payments.start();
    report(`payments restarted (pid ${payments.pid})`);
    await submit(waves[2]!);

    const expectedFinanceAlerts = orders.filter(
      (order) => order.card === DECLINED_CARD && order.amount >= financeThreshold,
    ).length;
    let lastLine = '';
    let lastReport = 0;
    const caughtUp = await until(async () => {
      const notified = await records.notified();
      const line = `catching up: ${notified}/${orders.length} notified, payments backlog ${await backlog()}`;
      // A line when something moved, else one every 5 s (SQS hands a killed consumer's messages
      // back only when their visibility timeout ends).
      if (line !== lastLine || Date.now() - lastReport >= 5_000) {
        report(line);
        lastLine = line;
        lastReport = Date.now();
      }
      const snapshot = await records.snapshot();
      return notified === orders.length && snapshot.alerts >= expectedFinanceAlerts;
    }, options.timeoutMs);

    await Promise.all(services.map((service) => service.stop(15_000)));
    const snapshot = await records.snapshot();
    const count = (outbox: Record<string, string>, type: string) =>
      Object.values(outbox).filter((value) => value === type).length;
    const confirmed = count(snapshot.email, 'OrderConfirmed');
    const summary = withInvariants({
      orders: orders.length,
      confirmed,
      failed: count(snapshot.email, 'OrderFailed'),
      charges: snapshot.charges,
      doubleCharges: snapshot.doubleCharges,
      emails: Object.keys(snapshot.email).length,
      sms: Object.keys(snapshot.sms).length,
      financeAlerts: snapshot.alerts,
      expectedFinanceAlerts,
      purchaseOrders: snapshot.purchaseOrders,
      stockConsistent: snapshot.stockConsistent,
    });
    return { ...summary, killed: 'payments', backlogPeak, caughtUp };
  } finally {
    await Promise.all(services.map((service) => service.stop(5_000)));
    await options.cleanUp?.(bus).catch((error: unknown) => report(`clean-up failed: ${String(error)}`));
    await bus.close();
    await records.forget();
    await redis.close();
  }
}

/** The summary line of a multi-process run: the usual one, then what was killed and the catch-up. */
export function formatProcessesSummary(summary: ProcessesRunSummary): string {
  return `${formatSummary(summary)} killed=${summary.killed} backlog-peak=${summary.backlogPeak} caught-up=${summary.caughtUp ? 'yes' : 'no'}`;
}

/** Polls `condition` every 250 ms until it holds (true) or `timeoutMs` passes (false). */
async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(250);
  }
  return false;
}
