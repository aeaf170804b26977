import { type Bus, createBus, type Logger, MemoryIdempotencyStore, type Transport } from '@omnibus/core';
import { Inventory } from './inventory.js';
import { Names } from './messages.js';
import { declareOrderRules } from './order-rules.js';
import { generateOrders, type Customers, SKUS } from './order-book.js';
import { PaymentGateway } from './payment-gateway.js';
import { seededRandom } from './seeded-random.js';
import { financeService } from './services/finance-service.js';
import { fulfillmentService } from './services/fulfillment-service.js';
import { notificationService, type Outbox } from './services/notification-service.js';
import { paymentService } from './services/payment-service.js';
import { stockService, type TransactionalStock } from './services/stock-service.js';
import { PostgresStockLedger } from './postgres-stock.js';
import { createPostgresInbox, createPostgresOutbox } from '@omnibus/outbox-postgres';
import pg from 'pg';
import { DECLINED_CARD } from './order-book.js';
import { checkOrderTraces, formatTraceReport, type TraceReport } from './order-traces.js';
import type { OrderTracing } from './order-tracing.js';
import { submitOrder } from './submit-order.js';

export interface OrderFlowOptions {
  /** Transport URL or instance. @default 'memory://' */
  transport?: string | Transport;
  /** Orders to submit. @default 20 */
  orders?: number;
  /** Seed for the order mix and the injected failures. @default 42 */
  seed?: number;
  /** Share of payment handler runs that fail after charging. @default 0.3 */
  failureRate?: number;
  /** Failed payments at or above this amount alert finance. @default 1000 */
  financeThreshold?: number;
  /** Give up waiting after this long. @default 120 s */
  timeoutMs?: number;
  /** Called as orders complete. */
  onProgress?: (done: number, total: number) => void;
  logger?: Logger;
  /**
   * A PostgreSQL URL: the stock service then keeps stock in PostgreSQL and announces reservations
   * through the transactional outbox (`ORDERS_DATABASE_URL` in `npm run example`).
   */
  databaseUrl?: string;
  /**
   * The OpenTelemetry SDK recording in memory (`--trace`, see {@link startOrderTracing}): the run
   * then also checks that every order is one connected trace through every service it touched.
   */
  tracing?: OrderTracing;
}

export interface OrderFlowSummary {
  orders: number;
  confirmed: number;
  failed: number;
  charges: number;
  doubleCharges: number;
  emails: number;
  sms: number;
  financeAlerts: number;
  expectedFinanceAlerts: number;
  purchaseOrders: number;
  stockConsistent: boolean;
  /** With `tracing`: the check of every order's trace. */
  traces?: TraceReport;
  /** Every invariant holds (and, with `tracing`, every order is one connected trace). */
  ok: boolean;
}

/**
 * Runs the order flow end to end on one transport: submits orders, lets the services react through
 * queues, rules and a topic, waits until every order is settled and notified, and checks the
 * invariants (no double charge, stock consistent, every customer told by email and SMS).
 */
export async function runOrderFlow(options: OrderFlowOptions = {}): Promise<OrderFlowSummary> {
  const total = options.orders ?? 20;
  const seed = options.seed ?? 42;
  const threshold = options.financeThreshold ?? 1_000;
  const runId = `run${Date.now().toString(36)}`;
  const orders = generateOrders(total, seed, runId);
  const customers: Customers = new Map(
    orders.map((order) => [order.orderId, { email: order.email, phone: order.phone }]),
  );
  const initialStock = Object.fromEntries(SKUS.map((sku) => [sku, total * 3]));
  const inventory = new Inventory(initialStock);
  const gateway = new PaymentGateway([DECLINED_CARD]);
  const failures = seededRandom(seed + 1);
  const failureRate = options.failureRate ?? 0.3;
  const outboxes = { email: new Map() as Outbox, sms: new Map() as Outbox };
  const purchaseOrders = new Set<string>();
  const alerts = new Set<string>();
  const store = new MemoryIdempotencyStore();

  const bus: Bus = await createBus({
    transport: options.transport ?? 'memory://',
    source: 'orders',
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const transactional = options.databaseUrl
    ? await openTransactionalStock(bus, options.databaseUrl, runId, initialStock)
    : undefined;
  const ledger = transactional?.ledger ?? inventory;
  try {
    await declareOrderRules(bus, threshold);

    const consumerOptions = {
      concurrency: 8,
      retry: { attempts: 10, backoff: { initialMs: 50, maxMs: 1_000 } },
    };
    const consumers = [
      stockService(bus, ledger, consumerOptions, transactional),
      paymentService(bus, {
        ...consumerOptions,
        gateway,
        store,
        failAfterCharge: () => failures() < failureRate,
      }),
      ...fulfillmentService(bus, ledger, customers, purchaseOrders, consumerOptions),
      ...notificationService(bus, store, outboxes, consumerOptions),
      financeService(bus, alerts, consumerOptions),
    ];
    await Promise.all(consumers.map((consumer) => consumer.start()));

    options.tracing?.reset();
    const producers = {
      reserve: bus.producer(Names.reserveStock),
      authorize: bus.producer(Names.authorizePayment),
    };
    await Promise.all(orders.map((order) => submitOrder(order, producers)));

    // A durable queue on a shared broker can still hold alerts or purchase orders that an earlier,
    // interrupted run left behind; only this run's orders count.
    const ofThisRun = (recorded: Set<string> | Outbox) =>
      [...recorded.keys()].filter((id) => customers.has(id)).length;
    const notified = () =>
      [...customers.keys()].filter((id) => outboxes.email.has(id) && outboxes.sms.has(id)).length;
    const expectedAlerts = orders.filter(
      (order) => order.card === DECLINED_CARD && order.amount >= threshold,
    ).length;
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let reported = -1;
    while (Date.now() < deadline) {
      const done = notified();
      if (done !== reported) {
        reported = done;
        options.onProgress?.(done, total);
      }
      if (done === total && ofThisRun(alerts) >= expectedAlerts) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await Promise.all(consumers.map((consumer) => consumer.stop()));

    const count = (outbox: Outbox, type: string) =>
      [...outbox].filter(([id, value]) => customers.has(id) && value === type).length;
    const confirmed = count(outboxes.email, 'OrderConfirmed');
    const failed = count(outboxes.email, 'OrderFailed');
    const summary: Omit<OrderFlowSummary, 'ok'> = {
      orders: total,
      confirmed,
      failed,
      charges: gateway.chargedOrders,
      doubleCharges: gateway.doubleCharges,
      emails: ofThisRun(outboxes.email),
      sms: ofThisRun(outboxes.sms),
      financeAlerts: ofThisRun(alerts),
      expectedFinanceAlerts: expectedAlerts,
      purchaseOrders: ofThisRun(purchaseOrders),
      stockConsistent: await ledger.isConsistent(),
    };
    const checked = withInvariants(summary);
    if (!options.tracing) return checked;
    // Stopping the consumers waited for every handler, so every process span has ended.
    const traces = checkOrderTraces(
      options.tracing.spans(),
      orders.map((order) => ({
        orderId: order.orderId,
        confirmed: outboxes.email.get(order.orderId) === 'OrderConfirmed',
        financeAlert: order.card === DECLINED_CARD && order.amount >= threshold,
      })),
    );
    return { ...checked, traces, ok: checked.ok && traces.ok };
  } finally {
    await transactional?.close();
    await bus.close();
  }
}

/** The stock ledger in PostgreSQL, with the outbox (relayed in this process) and the inbox. */
async function openTransactionalStock(
  bus: Bus,
  databaseUrl: string,
  runId: string,
  stock: Record<string, number>,
): Promise<TransactionalStock & { close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 12 });
  pool.on('error', () => {});
  const schema = `orders_${runId}`;
  const ledger = await PostgresStockLedger.open(pool, schema, stock);
  const outbox = createPostgresOutbox({ pool, bus, schema, relay: { pollIntervalMs: 250 } });
  const inbox = createPostgresInbox({ outbox });
  await outbox.migrate();
  await inbox.migrate();
  await outbox.start();
  return {
    ledger,
    inbox,
    async close() {
      await outbox.stop();
      await ledger.drop();
      await pool.end();
    },
  };
}

/** Adds whether every invariant holds to the figures of a run. */
export function withInvariants(summary: Omit<OrderFlowSummary, 'ok'>): OrderFlowSummary {
  const ok =
    summary.confirmed + summary.failed === summary.orders &&
    summary.charges === summary.confirmed &&
    summary.doubleCharges === 0 &&
    summary.emails === summary.orders &&
    summary.sms === summary.orders &&
    summary.purchaseOrders === summary.confirmed &&
    summary.financeAlerts === summary.expectedFinanceAlerts &&
    summary.stockConsistent;
  return { ...summary, ok };
}

/**
 * The one summary line, e.g. `orders=20 confirmed=14 failed=6 charges=14 double-charges=0 ...`,
 * followed with `tracing` by the trace check (`traces=20 connected=20/20`, and any broken trace).
 */
export function formatSummary(summary: OrderFlowSummary): string {
  const line = [
    `orders=${summary.orders}`,
    `confirmed=${summary.confirmed}`,
    `failed=${summary.failed}`,
    `charges=${summary.charges}`,
    `double-charges=${summary.doubleCharges}`,
    `emails=${summary.emails}`,
    `sms=${summary.sms}`,
    `finance-alerts=${summary.financeAlerts}`,
    `stock-consistent=${summary.stockConsistent ? 'yes' : 'no'}`,
  ].join(' ');
  return summary.traces ? `${line} ${formatTraceReport(summary.traces)}` : line;
}
