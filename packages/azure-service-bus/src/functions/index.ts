/**
 * @omnibus/azure-service-bus/functions — Azure Functions (Node.js v4 programming model) entry
 * points for consumers made by `defineConsumer`: the same handler, retry budget, dead-lettering,
 * middleware and `ctx` as `bus.consumer(definition)`, with the message delivered by the Functions
 * host's Service Bus trigger instead of a receiver loop.
 *
 * ```ts
 * import { app } from '@azure/functions';
 * import { createBus } from '@omnibus/core';
 * import { createServiceBusTriggerHandler } from '@omnibus/azure-service-bus/functions';
 * import { reserveStock } from './consumers.js';
 *
 * const bus = createBus({ transport: process.env.ServiceBusConnection!, source: 'stock' });
 * app.serviceBusQueue('reserveStock', {
 *   connection: 'ServiceBusConnection',
 *   queueName: 'stock.reserve',
 *   cardinality: 'many',
 *   handler: createServiceBusTriggerHandler(reserveStock, { bus }),
 * });
 * ```
 */
export {
  createServiceBusTriggerHandler,
  type ServiceBusTriggerHandler,
} from './service-bus-trigger-handler.js';
export type { ServiceBusFunctionOptions } from './service-bus-function-options.js';
export {
  type LocalServiceBusTrigger,
  type LocalServiceBusTriggerOptions,
  startLocalServiceBusTrigger,
} from './local-service-bus-trigger.js';
