import { type Consumer, type ConsumerOptions, createBus } from '@omnibus/core';
import { RedisIdempotencyStore } from '@omnibus/idempotency-redis';
import { createClient } from 'redis';
import { generateOrders } from '../order-book.js';
import { seededRandom } from '../seeded-random.js';
import { financeService } from '../services/finance-service.js';
import { fulfillmentService } from '../services/fulfillment-service.js';
import { notificationService } from '../services/notification-service.js';
import { paymentService } from '../services/payment-service.js';
import { stockService } from '../services/stock-service.js';
import { RedisOrderRecords } from './redis-order-records.js';
import { type ServiceName, serviceNames, serviceSettings } from './service-settings.js';

/**
 * One service of the order example as its own OS process: `service-process.ts <service>`, with the
 * run's settings in the environment (see service-settings.ts). It tells its parent 'ready' once its
 * consumers run, and closes its bus (draining in-flight handlers) on SIGTERM or SIGINT.
 */
const name = process.argv[2] as ServiceName;
if (!serviceNames.includes(name)) {
  console.error(`usage: service-process.ts <${serviceNames.join('|')}>`);
  process.exit(2);
}
const settings = serviceSettings(process.env);
const redis = createClient({ url: settings.redisUrl });
redis.on('error', (error: Error) => console.error(`${name}: redis: ${error.message}`));
await redis.connect();
const records = new RedisOrderRecords(redis, settings.runId);
const store = new RedisIdempotencyStore({
  client: redis,
  keyPrefix: `omnibus-example:${settings.runId}:idempotency:`,
});
const bus = await createBus({ transport: settings.transport, source: name });

const options: ConsumerOptions = {
  concurrency: 8,
  retry: { attempts: 10, backoff: { initialMs: 50, maxMs: 1_000 } },
};
const consumers = (): Consumer[] => {
  switch (name) {
    case 'stock':
      return [stockService(bus, records.inventory, options)];
    case 'payments': {
      const failures = seededRandom(settings.seed + 1);
      return [
        paymentService(bus, {
          ...options,
          gateway: records.gateway,
          store,
          failAfterCharge: () => failures() < settings.failureRate,
          // A command this process was charging when it was killed waits this long for its retry.
          lockMs: 3_000,
        }),
      ];
    }
    case 'fulfillment': {
      const orders = generateOrders(settings.orders, settings.seed, settings.runId);
      const customers = new Map(
        orders.map((order) => [order.orderId, { email: order.email, phone: order.phone }]),
      );
      return fulfillmentService(bus, records.inventory, customers, records.purchaseOrders, options);
    }
    case 'notifications':
      return notificationService(bus, store, { email: records.email, sms: records.sms }, options);
    case 'finance':
      return [financeService(bus, records.alerts, options)];
  }
};
const running = consumers();
await Promise.all(running.map((consumer) => consumer.start()));
process.send?.('ready');

let closing = false;
const shutDown = async () => {
  if (closing) return;
  closing = true;
  await bus.close();
  await redis.close();
  process.exit(0);
};
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
// The parent going away (its IPC channel closing) ends this service too.
process.on('disconnect', shutDown);
