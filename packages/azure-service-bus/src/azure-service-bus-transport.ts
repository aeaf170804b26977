import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';
import { ClosedError } from '@omnibus/core';
import type {
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  EncodedMessage,
  RuleDefinition,
  SendOptions,
  SourceRef,
  Transport,
  TransportSubscription,
} from '@omnibus/core/transport';
import { azureServiceBusCapabilities } from './azure-service-bus-capabilities.js';
import {
  type AzureServiceBusTransportOptions,
  resolveAzureServiceBusOptions,
} from './azure-service-bus-transport-options.js';
import { mapAzureServiceBusError } from './map-azure-service-bus-error.js';
import { createDefaultAdministration, type QueueSpec } from './service-bus-administration.js';
import { type ReceiverAddress, startServiceBusConsumer } from './service-bus-consumer.js';
import { subscriptionName } from './service-bus-names.js';
import { createServiceBusProducer, type ServiceBusProducer } from './service-bus-producer.js';
import { createServiceBusDeadLetterStore } from './service-bus-dead-letter-store.js';
import { createServiceBusProvisioner, type ServiceBusProvisioner } from './service-bus-provisioner.js';
import { createServiceBusRules, type ServiceBusRules } from './service-bus-rules.js';
import { startSessionConsumer } from './session-consumer.js';
import { toServiceBusMessage } from './wire-message.js';

const NAME = 'azure-service-bus';
/** The largest MaxDeliveryCount Service Bus stores (Int32.MaxValue): "no native limit". */
const UNLIMITED_DELIVERIES = 2_147_483_647;
/** Concurrency of the transport's own relays of rules Service Bus cannot route alone. */
const RELAY_CONCURRENCY = 16;

/** One consumable source, resolved to native names. */
interface ResolvedSource {
  readonly address: ReceiverAddress;
  /** The queue or `topic/subscription` as the user named it, for failure headers. */
  readonly label: string;
}

/**
 * Creates the Azure Service Bus transport. Validates every option now and does no I/O; the
 * client is created in `connect()` and links open on first use.
 */
export function createAzureServiceBusTransport(options: AzureServiceBusTransportOptions): Transport {
  const settings = resolveAzureServiceBusOptions(options);
  const id = (name: string) => `${settings.namePrefix}${name}`;
  const eventsTopic = id(settings.eventsTopic);
  const defaults = { maxDeliveryCount: settings.maxDeliveryCount, lockDurationMs: settings.lockDurationMs };

  let state:
    | {
        client: ServiceBusClient;
        producer: ServiceBusProducer;
        provisioner: ServiceBusProvisioner;
        rules: ServiceBusRules;
      }
    | undefined;
  let closing: Promise<void> | undefined;
  const consumers = new Set<TransportSubscription>();
  /** Native entities known to require sessions: messages sent there carry a session id. */
  const sessionEntities = new Set<string>();

  function missingHint(): string {
    if (settings.provision === 'never') {
      return "provision: 'never' creates nothing: create it first (portal, Bicep/ARM, az CLI, or the emulator's Config.json).";
    }
    return 'The development emulator serves no administration endpoint: declare it in the emulator’s Config.json, or pass an `administration` to create it.';
  }

  function ready() {
    if (closing) throw new ClosedError('The azure-service-bus transport is closed.', { transport: NAME });
    if (!state) {
      const credential = settings.connectionString
        ? undefined
        : (settings.credential ?? new DefaultAzureCredential());
      const client = credential
        ? new ServiceBusClient(settings.namespace!, credential)
        : new ServiceBusClient(settings.connectionString!);
      let administration = settings.provision === 'auto' ? settings.administration : undefined;
      if (settings.provision === 'auto' && !administration && !settings.developmentEmulator) {
        administration = createDefaultAdministration(
          settings.connectionString
            ? { connectionString: settings.connectionString }
            : { namespace: settings.namespace!, credential: credential! },
        );
      }
      const provisioner = createServiceBusProvisioner(client, administration, missingHint());
      const producer = createServiceBusProducer(client);
      const rules = createServiceBusRules({
        client,
        provisioner,
        eventsTopic,
        subscriptionDefaults: {
          maxDeliveryCount: UNLIMITED_DELIVERIES,
          lockDurationMs: settings.lockDurationMs,
        },
        ensureTarget,
        consume: (subscription, label, onDelivery) =>
          track(
            startServiceBusConsumer(
              {
                client,
                address: { topic: eventsTopic, subscription, deadLetter: false },
                concurrency: RELAY_CONCURRENCY,
                maxLockRenewalMs: settings.maxLockRenewalMs,
                describeSource: label,
              },
              onDelivery,
            ),
          ),
        forward,
      });
      state = { client, producer, provisioner, rules };
    }
    return state;
  }

  function track(subscription: TransportSubscription): TransportSubscription {
    consumers.add(subscription);
    return {
      async stop() {
        await subscription.stop();
        consumers.delete(subscription);
      },
    };
  }

  async function ensureTarget(rule: RuleDefinition): Promise<string> {
    const { provisioner } = ready();
    if ('queue' in rule.target) {
      const native = id(rule.target.queue);
      await provisioner.queue(native, { ...defaults, requiresSession: false });
      return native;
    }
    const native = id(rule.target.topic);
    await provisioner.topic(native);
    return native;
  }

  async function forward(rule: RuleDefinition, delivery: Delivery): Promise<void> {
    const target = await ensureTarget(rule);
    await sendTo(target, [delivery.message], {}, `forwarding rule '${rule.name}' to '${target}'`);
  }

  async function sendTo(
    entity: string,
    messages: readonly EncodedMessage[],
    sendOptions: SendOptions,
    doing: string,
  ): Promise<void> {
    const session = sendOptions.ordering === 'key' || sessionEntities.has(entity);
    const enqueueAt =
      sendOptions.delayMs !== undefined && sendOptions.delayMs > 0
        ? new Date(Date.now() + sendOptions.delayMs)
        : undefined;
    const native = messages.map((message) =>
      toServiceBusMessage(message, {
        ...(session ? { sessionId: message.key ?? message.id } : {}),
        ...(enqueueAt ? { enqueueAt } : {}),
      }),
    );
    try {
      await ready().producer.send(entity, native);
    } catch (error) {
      throw mapAzureServiceBusError(error, doing);
    }
  }

  function nativeAttempts(maxAttempts: number): number {
    if (!Number.isFinite(maxAttempts)) return UNLIMITED_DELIVERIES;
    return Math.min(UNLIMITED_DELIVERIES, Math.max(1, Math.floor(maxAttempts)));
  }

  /** Makes sure a source exists (creating it with `spec` where allowed) and resolves it. */
  async function prepareSource(source: SourceRef, spec: QueueSpec): Promise<ResolvedSource> {
    const { provisioner } = ready();
    switch (source.kind) {
      case 'queue': {
        const queue = id(source.queue);
        await provisioner.queue(queue, spec);
        if (spec.requiresSession) sessionEntities.add(queue);
        return { address: { queue, deadLetter: false }, label: source.queue };
      }
      case 'subscription': {
        const topic = id(source.topic);
        const subscription = subscriptionName(source.subscription);
        await provisioner.topic(topic);
        await provisioner.subscription(topic, subscription, spec, source.subscription);
        if (spec.requiresSession) sessionEntities.add(topic);
        return {
          address: { topic, subscription, deadLetter: false },
          label: `${source.topic}/${source.subscription}`,
        };
      }
      case 'dead-letter': {
        const of = await prepareSource(source.of, { ...defaults, requiresSession: false });
        return { address: { ...of.address, deadLetter: true }, label: of.label };
      }
    }
  }

  const deadLetterStore = createServiceBusDeadLetterStore({
    client: () => ready().client,
    async resolve(of) {
      const { address, label } = await prepareSource(
        { kind: 'dead-letter', of },
        { ...defaults, requiresSession: false },
      );
      return { address, label };
    },
  });

  return {
    specificationVersion: 'v1',
    name: NAME,
    capabilities: azureServiceBusCapabilities,
    provision: settings.provision,
    deadLetterStore,

    async connect() {
      try {
        ready();
      } catch (error) {
        throw mapAzureServiceBusError(error, `connecting to ${settings.host}`);
      }
    },

    close() {
      closing ??= (async () => {
        if (!state) return;
        await state.rules.stop();
        await deadLetterStore.releaseAll();
        await Promise.allSettled([...consumers].map((consumer) => consumer.stop()));
        consumers.clear();
        await state.producer.close();
        await state.client.close().catch(() => undefined);
      })();
      return closing;
    },

    async send(queue, messages, sendOptions) {
      const native = id(queue);
      const ordered = sendOptions.ordering === 'key';
      await ready().provisioner.queue(native, { ...defaults, requiresSession: ordered });
      if (ordered) sessionEntities.add(native);
      await sendTo(native, messages, sendOptions, `sending to queue '${queue}'`);
    },

    async publish(topic, messages, sendOptions) {
      const native = id(topic);
      await ready().provisioner.topic(native);
      await sendTo(native, messages, sendOptions, `publishing to topic '${topic}'`);
    },

    async emit(events) {
      await ready().provisioner.topic(eventsTopic);
      await sendTo(eventsTopic, events, {}, `emitting to topic '${settings.eventsTopic}'`);
    },

    async consume(source: SourceRef, onDelivery: DeliveryHandler, consumeOptions: ConsumeOptions) {
      const ordered = consumeOptions.ordering === 'key' && source.kind !== 'dead-letter';
      const resolved = await prepareSource(source, {
        maxDeliveryCount: nativeAttempts(consumeOptions.maxAttempts),
        lockDurationMs: settings.lockDurationMs,
        requiresSession: ordered,
      });
      const { client, producer } = ready();
      const common = {
        client,
        address: resolved.address,
        concurrency: consumeOptions.concurrency,
        maxLockRenewalMs: settings.maxLockRenewalMs,
        describeSource: resolved.label,
      };
      if (ordered) {
        return track(startSessionConsumer({ ...common, sessionIdleMs: settings.sessionIdleMs }, onDelivery));
      }
      const queue = resolved.address.queue;
      return track(
        startServiceBusConsumer(
          {
            ...common,
            // A delayed retry on a queue is a scheduled copy; on a subscription a copy published
            // to the topic would reach every other subscription too, so there the lock is held.
            ...(queue !== undefined && !resolved.address.deadLetter
              ? {
                  scheduleCopy: (delivery: Delivery, at: Date, attempt: number) =>
                    producer.schedule(queue, toServiceBusMessage(delivery.message, { attempt }), at),
                }
              : {}),
          },
          onDelivery,
        ),
      );
    },

    putRule: (rule) => ready().rules.putRule(rule),
    deleteRule: (name) => ready().rules.deleteRule(name),
  };
}
