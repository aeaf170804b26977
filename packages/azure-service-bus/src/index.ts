/**
 * @omnibus/azure-service-bus — the Azure Service Bus transport for Omnibus
 * (`azure-servicebus://NAMESPACE` or a Service Bus connection string).
 */
import type { TransportFactory } from '@omnibus/core';
import { createAzureServiceBusTransport } from './azure-service-bus-transport.js';
import { optionsFromUrl } from './azure-service-bus-transport-options.js';

export { createAzureServiceBusTransport } from './azure-service-bus-transport.js';
export type { AzureServiceBusTransportOptions } from './azure-service-bus-transport-options.js';
export { azureServiceBusCapabilities } from './azure-service-bus-capabilities.js';
export {
  createAdministrationClientAdministration,
  type QueueSpec,
  type RuleFilter,
  type ServiceBusAdministration,
  type SubscriptionRule,
  type SubscriptionSpec,
} from './service-bus-administration.js';
export { compileServiceBusFilter, type CompiledServiceBusFilter } from './compile-service-bus-filter.js';
export { mapAzureServiceBusError } from './map-azure-service-bus-error.js';
export { type EmulatorEntityApi, emulatorAdministration } from './emulator-administration.js';

/** What `createBus('azure-servicebus://NAMESPACE')` or `createBus('Endpoint=sb://…')` loads. */
export const transportFactory: TransportFactory = (url, options) =>
  createAzureServiceBusTransport(optionsFromUrl(url, options));
