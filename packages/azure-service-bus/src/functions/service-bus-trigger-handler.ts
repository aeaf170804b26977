import type { InvocationContext } from '@azure/functions';
import {
  ConfigurationError,
  type ConsumerDefinition,
  InvocationFailedError,
  isConsumerDefinition,
} from '@omnibus/core';
import type { Delivery, FailureInfo } from '@omnibus/core/transport';
import type { ServiceBusFunctionOptions } from './service-bus-function-options.js';
import { type TriggerMessage, triggerMessages } from './trigger-messages.js';

/**
 * A handler for `app.serviceBusQueue` and `app.serviceBusTopic` of `@azure/functions` (v4), with
 * `cardinality` `'one'` or `'many'`.
 */
export type ServiceBusTriggerHandler = (messages: unknown, context: InvocationContext) => Promise<void>;

/** Messages this instance finished, remembered so a redelivered batch does not run them twice. */
const MAX_REMEMBERED = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * An Azure Functions Service Bus trigger handler (queue or topic subscription) running every
 * message of an invocation through the same runtime as `bus.consumer(definition)`, settled the way
 * the trigger settles (`autoCompleteMessages`, the default): the invocation returning completes its
 * messages, the invocation throwing abandons them, and Service Bus moves a message to the dead-letter
 * sub-queue once its delivery count passes the entity's `MaxDeliveryCount`.
 *
 * - handled: nothing to do; the host completes it;
 * - a retry (a thrown error, attempts left): the handler waits the backoff delay (the host renews
 *   the lock meanwhile), then the invocation throws `InvocationFailedError`: the host abandons, and
 *   Service Bus redelivers with the delivery count (the attempt, from the trigger metadata
 *   `deliveryCount`) one higher;
 * - a dead letter (`PermanentError`, an undecodable message, a schema failure, or the last of
 *   `retry.attempts`): a trigger cannot dead-letter one message, so the invocation throws and every
 *   later delivery of that message to this instance fails at once without running the handler,
 *   until Service Bus dead-letters it (`MaxDeliveryCountExceeded`). Set `MaxDeliveryCount` to the
 *   definition's `retry.attempts`, so the last attempt is the one Service Bus dead-letters after.
 *
 * In a batch, one message that is not done fails the invocation, so the host abandons the whole
 * batch; messages of it that were handled are remembered by this instance and not run again when
 * they come back (another instance runs them again: use the `idempotency()` middleware). Batches run
 * up to the definition's `concurrency` at once, in order on a session-enabled trigger. Every send a
 * handler makes is confirmed before the invocation returns.
 *
 * ```ts
 * import { app } from '@azure/functions';
 * import { createBus } from '@omnibus/core';
 * import { createServiceBusTriggerHandler } from '@omnibus/azure-service-bus/functions';
 * import { reserveStock } from './consumers.js';   // defineConsumer('stock.reserve', …)
 *
 * const bus = createBus({ transport: process.env.ServiceBusConnection!, source: 'stock' });
 * app.serviceBusQueue('reserveStock', {
 *   connection: 'ServiceBusConnection',
 *   queueName: 'stock.reserve',
 *   handler: createServiceBusTriggerHandler(reserveStock, { bus }),
 * });
 * ```
 */
export function createServiceBusTriggerHandler<T>(
  definition: ConsumerDefinition<T>,
  options: ServiceBusFunctionOptions,
): ServiceBusTriggerHandler {
  if (!isConsumerDefinition(definition))
    throw new ConfigurationError(
      'createServiceBusTriggerHandler needs a definition made by defineConsumer().',
      {
        transport: 'azure-service-bus',
      },
    );
  const label =
    typeof definition.source === 'string'
      ? definition.source
      : `${definition.source.topic}/${definition.source.subscription}`;
  const concurrency = definition.options.concurrency ?? 10;
  /** `done`: handled here; otherwise the reason it was dead-lettered here. */
  const finished = new Map<string, 'done' | { readonly deadLettered: string }>();

  function remember(id: string, outcome: 'done' | { readonly deadLettered: string }): void {
    finished.set(id, outcome);
    if (finished.size > MAX_REMEMBERED) finished.delete(finished.keys().next().value as string);
  }

  /** Runs one message; resolves with why it is not done, or `undefined` when it is. */
  async function run(
    bus: ServiceBusFunctionOptions['bus'],
    item: TriggerMessage,
  ): Promise<string | undefined> {
    const id = item.message.id;
    const before = finished.get(id);
    if (before === 'done') return undefined;
    if (before)
      return `message ${id} was dead-lettered (${before.deadLettered}); Service Bus moves it at MaxDeliveryCount`;
    let reason: string | undefined = `message ${id} was not settled`;
    const delivery: Delivery = {
      message: item.message,
      attempt: item.attempt,
      raw: item.raw,
      async ack() {
        remember(id, 'done');
        reason = undefined;
      },
      async retry(delayMs: number) {
        if (delayMs > 0) await sleep(delayMs);
        reason = `message ${id} asked for a retry (attempt ${item.attempt})`;
      },
      async deadLetter(failure: FailureInfo) {
        remember(id, { deadLettered: failure.reason });
        reason = `message ${id} was dead-lettered (${failure.reason}); Service Bus moves it at MaxDeliveryCount`;
      },
    };
    await (await bus).handleDelivery(definition, delivery);
    return reason;
  }

  return async (input, context) => {
    const items = triggerMessages(input, context, label);
    const reasons: string[] = [];
    if (context.options?.trigger?.isSessionsEnabled === true) {
      // A session's messages in order: after one that is not done, the rest come back with it.
      for (let index = 0; index < items.length; index++) {
        const reason = await run(options.bus, items[index]!);
        if (reason === undefined) continue;
        reasons.push(
          reason,
          ...items
            .slice(index + 1)
            .map((item) => `message ${item.message.id} waits for ${items[index]!.message.id}`),
        );
        break;
      }
    } else {
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const reason = await run(options.bus, items[next++]!);
          if (reason !== undefined) reasons.push(reason);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    }
    if (reasons.length > 0)
      throw new InvocationFailedError(reasons, items.length, { transport: 'azure-service-bus' });
  };
}
