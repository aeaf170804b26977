import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from '@azure/service-bus';
import type { Delivery, DeliveryHandler, FailureInfo, TransportSubscription } from '@omnibus/core/transport';
import { mapAzureServiceBusError } from './map-azure-service-bus-error.js';
import { attemptOf, fromServiceBusMessage } from './wire-message.js';

/** Where a receiver attaches: a queue or a subscription, optionally its dead-letter sub-queue. */
export interface ReceiverAddress {
  readonly queue?: string;
  readonly topic?: string;
  readonly subscription?: string;
  readonly deadLetter: boolean;
}

/** How one peek-lock consumer runs. */
export interface ServiceBusConsumerOptions {
  readonly client: ServiceBusClient;
  readonly address: ReceiverAddress;
  /** `maxConcurrentCalls`: most deliveries handed out and not yet settled. */
  readonly concurrency: number;
  readonly maxLockRenewalMs: number;
  /** The queue or `topic/subscription`, for failure headers and errors. */
  readonly describeSource: string;
  /**
   * Schedules a copy of `message` for `enqueueAt` carrying `attempt`, resolving with a function
   * that cancels it; absent where a copy would reach other consumers (a topic's other
   * subscriptions), and then a delayed retry holds the lock for the delay and abandons.
   */
  readonly scheduleCopy?: (
    delivery: Delivery,
    enqueueAt: Date,
    attempt: number,
  ) => Promise<() => Promise<void>>;
}

/** The receiver options every consumer uses: peek-lock, bytes kept, locks renewed while handled. */
export function receiverOptions(maxLockRenewalMs: number, deadLetter: boolean) {
  return {
    receiveMode: 'peekLock' as const,
    skipParsingBodyAsJson: true,
    maxAutoLockRenewalDurationInMs: maxLockRenewalMs,
    ...(deadLetter ? { subQueueType: 'deadLetter' as const } : {}),
  };
}

/** Opens a peek-lock receiver on `address`. */
export function createReceiverFor(
  client: ServiceBusClient,
  address: ReceiverAddress,
  maxLockRenewalMs: number,
): ServiceBusReceiver {
  const options = receiverOptions(maxLockRenewalMs, address.deadLetter);
  return address.queue !== undefined
    ? client.createReceiver(address.queue, options)
    : client.createReceiver(address.topic!, address.subscription!, options);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Builds the `Delivery` of one received message, settled through `receiver`. The returned promise
 * `settled` resolves once a settle method finished (whatever its outcome), which is what frees the
 * SDK's concurrency slot.
 */
export function createDelivery(
  message: ServiceBusReceivedMessage,
  receiver: ServiceBusReceiver,
  options: Pick<ServiceBusConsumerOptions, 'describeSource' | 'scheduleCopy' | 'address'>,
): { delivery: Delivery; settled: Promise<void> } {
  let done: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (done = resolve));
  let used = false;
  const encoded = fromServiceBusMessage(message, options.describeSource, options.address.deadLetter);
  const attempt = attemptOf(message);
  const where = options.describeSource;
  const once = () => {
    if (used) throw new Error(`Delivery of message ${encoded.id} was already settled.`);
    used = true;
  };
  const settle = async (doing: string, action: () => Promise<void>) => {
    once();
    try {
      await action();
    } catch (error) {
      throw mapAzureServiceBusError(error, `${doing} message ${encoded.id} of '${where}'`);
    } finally {
      done();
    }
  };
  const delivery: Delivery = {
    message: encoded,
    attempt,
    raw: message,
    ack: () => settle('completing', () => receiver.completeMessage(message)),
    retry: (delayMs: number) =>
      settle('retrying', async () => {
        if (delayMs > 0 && options.scheduleCopy) {
          const cancel = await options.scheduleCopy(delivery, new Date(Date.now() + delayMs), attempt + 1);
          try {
            await receiver.completeMessage(message);
          } catch (error) {
            // The original comes back by itself: take the copy away so it is not handled twice.
            await cancel().catch(() => undefined);
            throw error;
          }
          return;
        }
        // No copy possible (a subscription, a session): keep the lock (the SDK renews it) for the
        // delay, then abandon, which redelivers with the delivery count + 1 and in order.
        if (delayMs > 0) await sleep(delayMs);
        await receiver.abandonMessage(message);
      }),
    deadLetter: (failure: FailureInfo) =>
      settle('dead-lettering', async () => {
        if (options.address.deadLetter) {
          // A dead letter cannot be dead-lettered again: it stays where it is.
          await receiver.abandonMessage(message);
          return;
        }
        const [name, ...rest] = failure.reason.split(': ');
        await receiver.deadLetterMessage(message, {
          ...failure.headers,
          deadLetterReason: (name ?? 'Error').slice(0, 1_024),
          deadLetterErrorDescription: rest.join(': ').slice(0, 4_096),
        });
      }),
  };
  return { delivery, settled };
}

/**
 * Receives from one queue or subscription in peek-lock with `maxConcurrentCalls` = concurrency:
 * each message is handed to `onDelivery` and its SDK call lasts until it is settled, so no more
 * than `concurrency` are unsettled at once; the SDK renews their locks meanwhile.
 */
export function startServiceBusConsumer(
  options: ServiceBusConsumerOptions,
  onDelivery: DeliveryHandler,
): TransportSubscription {
  const receiver = createReceiverFor(options.client, options.address, options.maxLockRenewalMs);
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  const handle = async (message: ServiceBusReceivedMessage) => {
    if (stopping) {
      await receiver.abandonMessage(message).catch(() => undefined);
      return;
    }
    const { delivery, settled } = createDelivery(message, receiver, options);
    inFlight.add(settled);
    void onDelivery(delivery);
    await settled;
    inFlight.delete(settled);
  };

  const subscription = receiver.subscribe(
    {
      processMessage: handle,
      // The SDK retries transient receive errors itself; there is no one to tell about them here.
      processError: async (_args: ProcessErrorArgs) => undefined,
    },
    { maxConcurrentCalls: options.concurrency, autoCompleteMessages: false },
  );

  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await subscription.close().catch(() => undefined);
        while (inFlight.size > 0) await Promise.all([...inFlight]);
        await receiver.close().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
