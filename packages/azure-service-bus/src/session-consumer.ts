import type { ServiceBusClient, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { DeliveryHandler, TransportSubscription } from '@omnibus/core/transport';
import { createDelivery, type ReceiverAddress, receiverOptions } from './service-bus-consumer.js';
import { serviceBusErrorCode } from './map-azure-service-bus-error.js';

/** How a session consumer runs (ordering by key: a session per key). */
export interface SessionConsumerOptions {
  readonly client: ServiceBusClient;
  readonly address: ReceiverAddress;
  /** How many sessions (keys) are handled at once, one message at a time each. */
  readonly concurrency: number;
  readonly maxLockRenewalMs: number;
  /** How long to wait for more messages of a session before taking another one. */
  readonly sessionIdleMs: number;
  readonly describeSource: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Consumes a session-enabled queue or subscription: `concurrency` workers each accept the next
 * free session and hand its messages over one at a time, in order, settling each before taking
 * the next; a session idle for `sessionIdleMs` is released. A retry abandons (after holding the
 * lock for the delay), so the message comes back first in its session and order holds.
 */
export function startSessionConsumer(
  options: SessionConsumerOptions,
  onDelivery: DeliveryHandler,
): TransportSubscription {
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const abort = new AbortController();
  const busy = new Set<Promise<void>>();
  const receivers = new Set<ServiceBusSessionReceiver>();

  async function accept(): Promise<ServiceBusSessionReceiver> {
    const settings = { ...receiverOptions(options.maxLockRenewalMs, false), abortSignal: abort.signal };
    const { client, address } = options;
    return address.queue !== undefined
      ? client.acceptNextSession(address.queue, settings)
      : client.acceptNextSession(address.topic!, address.subscription!, settings);
  }

  async function drainSession(receiver: ServiceBusSessionReceiver): Promise<void> {
    while (!stopping) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: options.sessionIdleMs });
      if (!message) return;
      if (stopping) {
        await receiver.abandonMessage(message).catch(() => undefined);
        return;
      }
      const { delivery, settled } = createDelivery(message, receiver, {
        describeSource: options.describeSource,
        address: options.address,
      });
      busy.add(settled);
      void onDelivery(delivery);
      await settled;
      busy.delete(settled);
    }
  }

  async function worker(): Promise<void> {
    while (!stopping) {
      let receiver: ServiceBusSessionReceiver;
      try {
        receiver = await accept();
      } catch (error) {
        if (stopping) return;
        // No free session within the server's wait (or a session taken meanwhile): ask again.
        const code = serviceBusErrorCode(error);
        if (code !== 'ServiceTimeout' && code !== 'SessionCannotBeLocked') await sleep(1_000);
        continue;
      }
      receivers.add(receiver);
      try {
        await drainSession(receiver);
      } catch {
        // Session lock lost or link detached: its messages come back; take another session.
      } finally {
        receivers.delete(receiver);
        await receiver.close().catch(() => undefined);
      }
    }
  }

  const workers = Array.from({ length: options.concurrency }, () => worker());

  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        while (busy.size > 0) await Promise.all([...busy]);
        abort.abort();
        await Promise.all([...receivers].map((receiver) => receiver.close().catch(() => undefined)));
        // Workers waiting in acceptNextSession end with the abort; never wait on them for long.
        await Promise.race([Promise.allSettled(workers), sleep(2_000)]);
      })();
      return stopped;
    },
  };
}
