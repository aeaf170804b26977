import type { ServiceBusClient } from '@azure/service-bus';
import { ConfigurationError } from '@omnibus/core';
import { mapAzureServiceBusError, serviceBusErrorCode } from './map-azure-service-bus-error.js';
import type { QueueSpec, ServiceBusAdministration, SubscriptionSpec } from './service-bus-administration.js';

const TRANSPORT = 'azure-service-bus';

/**
 * Makes sure entities exist before they are used, once per entity and transport. With an
 * administration (`provision: 'auto'`) it creates them; without one (`provision: 'never'`, or the
 * development emulator, which serves no administration endpoint) it checks over AMQP that they
 * exist and fails with a `ConfigurationError` naming what is missing.
 */
export interface ServiceBusProvisioner {
  readonly creates: boolean;
  queue(name: string, spec: QueueSpec): Promise<void>;
  topic(name: string): Promise<void>;
  subscription(topic: string, name: string, spec: SubscriptionSpec, label: string): Promise<void>;
  /** Deletes a subscription where the administration can; resolves `false` when it cannot. */
  deleteSubscription(topic: string, name: string): Promise<boolean>;
}

export function createServiceBusProvisioner(
  client: ServiceBusClient,
  administration: ServiceBusAdministration | undefined,
  missingHint: string,
): ServiceBusProvisioner {
  const done = new Map<string, Promise<void>>();
  const once = (key: string, action: () => Promise<void>): Promise<void> => {
    let pending = done.get(key);
    if (!pending) {
      pending = action();
      done.set(key, pending);
      // A failure is not remembered: the next use tries again.
      pending.catch(() => done.delete(key));
    }
    return pending;
  };

  const missing = (what: string, error?: unknown) =>
    new ConfigurationError(`Service Bus ${what} does not exist. ${missingHint}`, {
      transport: TRANSPORT,
      ...(error === undefined ? {} : { cause: error }),
    });

  /** Opening a sender link (createMessageBatch does) fails with MessagingEntityNotFound if absent. */
  async function probeSendable(entity: string, what: string): Promise<void> {
    const sender = client.createSender(entity);
    try {
      await sender.createMessageBatch();
    } catch (error) {
      if (serviceBusErrorCode(error) === 'MessagingEntityNotFound') throw missing(what, error);
      throw mapAzureServiceBusError(error, `checking that ${what} exists`);
    } finally {
      await sender.close().catch(() => undefined);
    }
  }

  async function probeSubscription(topic: string, name: string, what: string): Promise<void> {
    const receiver = client.createReceiver(topic, name);
    try {
      await receiver.peekMessages(1);
    } catch (error) {
      if (serviceBusErrorCode(error) === 'MessagingEntityNotFound') throw missing(what, error);
      throw mapAzureServiceBusError(error, `checking that ${what} exists`);
    } finally {
      await receiver.close().catch(() => undefined);
    }
  }

  async function create(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      throw mapAzureServiceBusError(error, `creating ${what}`);
    }
  }

  return {
    creates: administration !== undefined,
    queue(name, spec) {
      const what = `queue '${name}'`;
      return once(`queue:${name}`, () =>
        administration
          ? create(what, () => administration.ensureQueue(name, spec))
          : probeSendable(name, what),
      );
    },
    topic(name) {
      const what = `topic '${name}'`;
      return once(`topic:${name}`, () =>
        administration ? create(what, () => administration.ensureTopic(name)) : probeSendable(name, what),
      );
    },
    subscription(topic, name, spec, label) {
      const what = `subscription '${label}' of topic '${topic}'`;
      return once(`subscription:${topic}/${name}`, () =>
        administration
          ? create(what, () => administration.ensureSubscription(topic, name, spec))
          : probeSubscription(topic, name, what),
      );
    },
    async deleteSubscription(topic, name) {
      done.delete(`subscription:${topic}/${name}`);
      if (!administration?.deleteSubscription) return false;
      try {
        await administration.deleteSubscription(topic, name);
      } catch (error) {
        throw mapAzureServiceBusError(error, `deleting subscription '${name}' of topic '${topic}'`);
      }
      return true;
    },
  };
}
