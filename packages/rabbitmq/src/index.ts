/**
 * @omnibus/rabbitmq — the RabbitMQ transport for Omnibus (AMQP 0-9-1 on amqplib), selected by
 * `amqp://` and `amqps://` URLs or created with `createRabbitMqTransport(options)`.
 */
import type { Transport, TransportFactory } from '@omnibus/core';
import { createTransport } from './rabbitmq-transport.js';
import { type RabbitMqTransportOptions, resolveOptions } from './rabbitmq-transport-options.js';

export type { RabbitMqTlsOptions, RabbitMqTransportOptions } from './rabbitmq-transport-options.js';
export { rabbitMqCapabilities } from './rabbitmq-capabilities.js';

/**
 * Creates the RabbitMQ transport. Validates every option at once (`ConfigurationError`) and does
 * no I/O: the connection opens in `connect()`, which `createBus` calls.
 *
 * ```ts
 * const bus = await createBus({ transport: createRabbitMqTransport({ url: 'amqp://guest:guest@127.0.0.1:5672' }) });
 * ```
 */
export function createRabbitMqTransport(options: RabbitMqTransportOptions): Transport {
  return createTransport(resolveOptions(options));
}

/** What `createBus('amqp://…')` loads: options come from the URL (`?heartbeat=` is honoured). */
export const transportFactory: TransportFactory = (url, factoryOptions) =>
  createRabbitMqTransport({ url, provision: factoryOptions.provision });
