/**
 * @omnibus/gcp-pubsub/functions — Google Cloud entry points for consumers made by
 * `defineConsumer`: the same handler, retry budget, dead-lettering, middleware and `ctx` as
 * `bus.consumer(definition)`, with the message pushed by Pub/Sub instead of pulled by a worker.
 *
 * ```ts
 * import { createBus } from '@omnibus/core';
 * import { createPubSubPushHandler } from '@omnibus/gcp-pubsub/functions';
 * import { reserveStock } from './consumers.js';
 *
 * const bus = createBus({ transport: 'gcp-pubsub://', source: 'stock' });  // module scope: reused
 * export const handler = createPubSubPushHandler(reserveStock, { bus });   // (request, response)
 * ```
 */
export { createPubSubPushHandler, type PubSubPushHandler } from './pubsub-push-handler.js';
export { type PubSubPushEnvelope, readPushEnvelope } from './push-envelope.js';
export type { PubSubFunctionOptions } from './pubsub-function-options.js';
