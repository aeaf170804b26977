import { ConfigurationError } from '../errors/index.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { Handler } from './handler.js';
import { validateConsumerOptions } from './validate-consumer-options.js';

/** Marks objects made by `defineConsumer`, across duplicate installs of this package. */
const consumerDefinitionMarker = Symbol.for('omnibus.consumer-definition');

/** What a consumer reads: a queue name, or a named durable subscription of a topic. */
export type ConsumerSource = string | { readonly topic: string; readonly subscription: string };

/**
 * A handler defined once, with its source and options, to run anywhere: in a worker process
 * (`bus.consumer(definition)` or `topic.subscribe(definition)`) or in a function invocation (the
 * entry points of `@omnibus/aws/lambda`, `@omnibus/gcp-pubsub/functions`,
 * `@omnibus/azure-service-bus/functions`, which call `bus.handleDelivery`). Both paths apply the
 * same retry budget, dead-lettering, middleware (idempotency, validation) and `ctx`.
 */
export interface ConsumerDefinition<T = unknown> {
  readonly [consumerDefinitionMarker]: true;
  /** The queue, or `{ topic, subscription }`, the handler consumes. */
  readonly source: ConsumerSource;
  readonly handler: Handler<T>;
  readonly options: ConsumerOptions;
}

/**
 * Defines a consumer without attaching it to a bus. The options are validated now, so a typo fails
 * when the module loads rather than on the first message.
 *
 * ```ts
 * export const reserveStock = defineConsumer('stock.reserve', async (message, ctx) => {
 *   await ctx.emit({ type: 'StockReserved', data: { orderId: message.data.orderId } });
 * }, { retry: { attempts: 5 }, middleware: [idempotency({ store })] });
 *
 * await bus.consumer(reserveStock).start();                  // as a worker
 * export const handler = createSqsHandler(reserveStock, { bus }); // or as a Lambda function
 * ```
 */
export function defineConsumer<T = unknown>(
  source: ConsumerSource,
  handler: Handler<T>,
  options: ConsumerOptions = {},
): ConsumerDefinition<T> {
  checkSource(source);
  if (typeof handler !== 'function') throw new ConfigurationError('defineConsumer needs a handler function.');
  validateConsumerOptions(options);
  return Object.freeze({
    [consumerDefinitionMarker]: true as const,
    source: typeof source === 'string' ? source : Object.freeze({ ...source }),
    handler,
    options,
  });
}

/** Whether `value` was made by `defineConsumer` (of any installed copy of `@omnibus/core`). */
export function isConsumerDefinition(value: unknown): value is ConsumerDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[consumerDefinitionMarker] === true
  );
}

function checkSource(source: unknown): void {
  if (typeof source === 'string' && source.trim() !== '') return;
  const candidate = source as { topic?: unknown; subscription?: unknown } | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.topic === 'string' &&
    candidate.topic.trim() !== '' &&
    typeof candidate.subscription === 'string' &&
    candidate.subscription.trim() !== ''
  )
    return;
  throw new ConfigurationError(
    `defineConsumer needs a queue name or { topic, subscription }; got ${JSON.stringify(source) ?? String(source)}.`,
  );
}
