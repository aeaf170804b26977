/**
 * @omnibus/aws/lambda — AWS Lambda entry points for consumers made by `defineConsumer`: the same
 * handler, retry budget, dead-lettering, middleware and `ctx` as `bus.consumer(definition)`, with
 * the message delivered by Lambda instead of a polling loop.
 *
 * ```ts
 * import { createBus } from '@omnibus/core';
 * import { createSqsHandler } from '@omnibus/aws/lambda';
 * import { reserveStock } from './consumers.js';
 *
 * const bus = createBus({ transport: 'aws://', source: 'stock' });   // module scope: reused when warm
 * export const handler = createSqsHandler(reserveStock, { bus });
 * ```
 */
export { createSqsHandler, type SqsBatchHandler } from './sqs-handler.js';
export { createSnsHandler, type SnsHandler } from './sns-handler.js';
export { createEventBridgeHandler, type EventBridgeHandler } from './eventbridge-handler.js';
export type { AsyncLambdaEntryOptions, LambdaEntryOptions } from './lambda-options.js';
export {
  type LocalSqsEventSource,
  type LocalSqsEventSourceOptions,
  startLocalSqsEventSource,
} from './local-sqs-event-source.js';
