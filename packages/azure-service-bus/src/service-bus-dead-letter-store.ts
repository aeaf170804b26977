import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { ClosedError } from '@omnibus/core';
import Long from 'long';
import type {
  DeadLetterParent,
  DeadLetterStore,
  LeasedDeadLetter,
  StoredDeadLetter,
} from '@omnibus/core/transport';
import { mapAzureServiceBusError } from './map-azure-service-bus-error.js';
import type { ReceiverAddress } from './service-bus-consumer.js';
import { receiverOptions } from './service-bus-consumer.js';
import { fromServiceBusMessage } from './wire-message.js';

/** How many dead letters one browse round trip asks for. */
const BROWSE_BATCH = 250;
/** How long a lease's receive waits for the first dead letter before deciding there is none. */
const RECEIVE_WAIT_MS = 1_000;

/** A dead-letter sub-queue resolved to native names, with its parent as the user named it. */
export interface ResolvedDeadLetterQueue {
  readonly address: ReceiverAddress;
  readonly label: string;
}

/** What the store needs from the transport. */
export interface ServiceBusDeadLetterHost {
  client(): ServiceBusClient;
  /** The parent's dead-letter sub-queue, its parent checked (or created) first. */
  resolve(of: DeadLetterParent): Promise<ResolvedDeadLetterQueue>;
}

/** The Service Bus dead-letter store, plus a way to give back every lease when the transport closes. */
export interface ServiceBusDeadLetterStore extends DeadLetterStore {
  /** Abandons every lease still open and closes their receivers (best effort). */
  releaseAll(): Promise<void>;
}

/**
 * Dead-letter management on the native `$DeadLetterQueue` sub-queue. Service Bus browses
 * natively (`peekMessages` touches no lock), so a peek hides nothing and a count browses the whole
 * sub-queue, which is exact at that moment. A lease is a peek-lock receive on a receiver of its
 * own; the lock is renewed until the lease time is up, `remove` completes and `release` abandons
 * (a dead letter has no delivery limit, so abandoning never moves it). A crashed process's locks
 * run out after the entity's lock duration and the letters are back.
 *
 * Service Bus cannot deliver to one subscription of a topic alone, so a subscription's dead
 * letters go back only elsewhere (`redrive({ to })`): `sendToSubscription` is absent.
 */
export function createServiceBusDeadLetterStore(host: ServiceBusDeadLetterHost): ServiceBusDeadLetterStore {
  const leases = new Set<{ abandon(): Promise<void> }>();
  const receivers = new Set<ServiceBusReceiver>();

  function open(address: ReceiverAddress): ServiceBusReceiver {
    const options = receiverOptions(0, true);
    const client = host.client();
    return address.queue !== undefined
      ? client.createReceiver(address.queue, options)
      : client.createReceiver(address.topic!, address.subscription!, options);
  }

  /** Browses from the oldest letter, `limit` at most, calling `each` per batch. */
  async function browse(
    of: DeadLetterParent,
    limit: number,
    each: (batch: ServiceBusReceivedMessage[], label: string) => void,
  ): Promise<void> {
    const { address, label } = await host.resolve(of);
    const receiver = open(address);
    try {
      // Where to start is always said: the SDK otherwise continues from the last browse of any
      // receiver on the same entity, which it remembers per connection.
      let from = Long.ONE;
      let seen = 0;
      while (seen < limit) {
        const batch = await receiver.peekMessages(Math.min(BROWSE_BATCH, limit - seen), {
          fromSequenceNumber: from,
        });
        if (batch.length === 0) break;
        seen += batch.length;
        each(batch, label);
        const last = batch[batch.length - 1]!.sequenceNumber;
        if (last === undefined) break;
        from = last.add(1);
      }
    } catch (error) {
      throw mapAzureServiceBusError(error, `browsing the dead letters of '${label}'`);
    } finally {
      await receiver.close().catch(() => undefined);
    }
  }

  const stored = (message: ServiceBusReceivedMessage, label: string): StoredDeadLetter => ({
    message: fromServiceBusMessage(message, label, true),
    ...(message.deadLetterReason ? { nativeReason: message.deadLetterReason } : {}),
  });

  return {
    async count(of) {
      let total = 0;
      await browse(of, Number.POSITIVE_INFINITY, (batch) => {
        total += batch.length;
      });
      return total;
    },

    async peek(of, { limit }) {
      const letters: StoredDeadLetter[] = [];
      await browse(of, limit, (batch, label) => {
        for (const message of batch) letters.push(stored(message, label));
      });
      return letters;
    },

    async receive(of, { limit, leaseMs }) {
      const { address, label } = await host.resolve(of);
      const receiver = open(address);
      receivers.add(receiver);
      let taken: ServiceBusReceivedMessage[];
      try {
        taken = await receiver.receiveMessages(limit, { maxWaitTimeInMs: RECEIVE_WAIT_MS });
      } catch (error) {
        receivers.delete(receiver);
        await receiver.close().catch(() => undefined);
        throw mapAzureServiceBusError(error, `leasing the dead letters of '${label}'`);
      }
      if (taken.length === 0) {
        receivers.delete(receiver);
        await receiver.close().catch(() => undefined);
        return [];
      }
      return leaseAll(receiver, taken, label, leaseMs);
    },

    async releaseAll() {
      await Promise.allSettled([...leases].map((lease) => lease.abandon()));
      await Promise.allSettled([...receivers].map((receiver) => receiver.close()));
      receivers.clear();
    },
  };

  /**
   * Leases on one receiver, which closes when the last of them ended. Each lock is renewed at half
   * its remaining time until `leaseMs` is up; then it is left to run out, as a crash would.
   */
  function leaseAll(
    receiver: ServiceBusReceiver,
    taken: readonly ServiceBusReceivedMessage[],
    label: string,
    leaseMs: number,
  ): LeasedDeadLetter[] {
    const endsAt = Date.now() + leaseMs;
    let open = taken.length;
    const ended = () => {
      if (--open > 0) return;
      receivers.delete(receiver);
      void receiver.close().catch(() => undefined);
    };

    return taken.map((message) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const renewLater = () => {
        const lockedUntil = message.lockedUntilUtc?.getTime() ?? Date.now();
        const wait = Math.max(500, (lockedUntil - Date.now()) / 2);
        if (Date.now() + wait >= endsAt) return;
        timer = setTimeout(() => {
          receiver.renewMessageLock(message).then(renewLater, () => undefined);
        }, wait);
        timer.unref();
      };
      renewLater();
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        leases.delete(lease);
        return true;
      };
      const lease = {
        async abandon() {
          if (!finish()) return;
          try {
            await receiver.abandonMessage(message);
          } finally {
            ended();
          }
        },
      };
      leases.add(lease);
      return {
        ...stored(message, label),
        async remove() {
          if (!finish())
            throw new ClosedError(`The lease of this dead letter of '${label}' already ended.`, {
              transport: 'azure-service-bus',
            });
          try {
            await receiver.completeMessage(message);
          } catch (error) {
            throw mapAzureServiceBusError(error, `removing a dead letter of '${label}'`);
          } finally {
            ended();
          }
        },
        async release() {
          await lease.abandon().catch(() => undefined);
        },
      };
    });
  }
}
