/**
 * @omnibus/gcp-pubsub — the Google Cloud Pub/Sub transport for Omnibus (`gcp-pubsub://`).
 */
import type { TransportFactory } from '@omnibus/core';
import { createGcpPubSubTransport } from './gcp-pubsub-transport.js';
import { optionsFromUrl } from './gcp-pubsub-transport-options.js';

export { createGcpPubSubTransport } from './gcp-pubsub-transport.js';
export type { GcpPubSubTransportOptions } from './gcp-pubsub-transport-options.js';
export { gcpPubSubCapabilities } from './gcp-pubsub-capabilities.js';
export { compilePubSubFilter } from './compile-pubsub-filter.js';

/** What `createBus('gcp-pubsub://PROJECT?emulatorHost=HOST:PORT')` loads. */
export const transportFactory: TransportFactory = (url, options) =>
  createGcpPubSubTransport(optionsFromUrl(url, options));
