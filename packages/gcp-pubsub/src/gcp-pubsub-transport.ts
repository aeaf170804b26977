import { PubSub } from '@google-cloud/pubsub';
import { UnsupportedFeatureError } from '@omnibus/core';
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
import { gcpPubSubCapabilities } from './gcp-pubsub-capabilities.js';
import { type GcpPubSubTransportOptions, resolveGcpPubSubOptions } from './gcp-pubsub-transport-options.js';
import { compilePubSubFilter } from './compile-pubsub-filter.js';
import { mapGcpPubSubError } from './map-gcp-pubsub-error.js';
import {
  deadLetterName,
  nativeId,
  queueSubscriptionName,
  ruleSubscriptionName,
  topicSubscriptionName,
} from './pubsub-names.js';
import { probeEmulator } from './probe-emulator.js';
import { createPubSubDeadLetterStore } from './pubsub-dead-letter-store.js';
import { startPubSubConsumer } from './pubsub-consumer.js';
import { createPubSubProvisioner, type PubSubProvisioner } from './pubsub-provisioner.js';
import { createPubSubPublisher, type PubSubPublisher } from './pubsub-publisher.js';
import { type RuleRouter, startRuleRouter } from './pubsub-rule-router.js';

const NAME = 'gcp-pubsub';
/** Pub/Sub accepts maxDeliveryAttempts from 5 to 100. */
const MIN_NATIVE_ATTEMPTS = 5;
const MAX_NATIVE_ATTEMPTS = 100;

/** A subscription this transport consumes, resolved to native ids. */
interface ResolvedSource {
  /** Native subscription id. */
  readonly subscription: string;
  /** Native topic id. */
  readonly topic: string;
  /** Name used in failure headers: the queue, or `topic/subscription`. */
  readonly label: string;
  /** Omnibus-level subscription name, whose dead-letter topic is `<name>.dlq`. */
  readonly logicalName: string;
  readonly isDeadLetter: boolean;
}

/**
 * Creates the Google Cloud Pub/Sub transport. Validates every option now and does no I/O; the
 * client is created in `connect()`.
 */
export function createGcpPubSubTransport(options: GcpPubSubTransportOptions = {}): Transport {
  const settings = resolveGcpPubSubOptions(options);
  const id = (name: string) => nativeId(settings.namePrefix, name);
  const eventsTopic = id(settings.eventsTopic);

  let client: PubSub | undefined;
  /** The emulator the client talks to, if it does. */
  let emulator: { readonly host: string; readonly port: number } | undefined;
  let emulatorHost: string | undefined;
  let provisioner: PubSubProvisioner | undefined;
  let publisher: PubSubPublisher | undefined;
  let closing: Promise<void> | undefined;
  const consumers = new Set<TransportSubscription>();
  const routers = new Map<string, { readonly router: RuleRouter; readonly filter: string | undefined }>();

  function ready(): { pubsub: PubSub; provisioner: PubSubProvisioner; publisher: PubSubPublisher } {
    if (closing) {
      throw mapGcpPubSubError(new Error('the transport is closed'), { action: 'using a closed transport' });
    }
    if (!client || !provisioner || !publisher) {
      client =
        settings.client ??
        new PubSub({
          ...(settings.projectId ? { projectId: settings.projectId } : {}),
          ...(settings.emulatorHost ? { apiEndpoint: settings.emulatorHost, emulatorMode: true } : {}),
        });
      // The client resolves `emulatorHost` or PUBSUB_EMULATOR_HOST into servicePath and port.
      const { servicePath, port } = client.options;
      emulator =
        client.isEmulator && servicePath && port ? { host: servicePath, port: Number(port) } : undefined;
      emulatorHost = emulator ? `${emulator.host}:${emulator.port}` : undefined;
      provisioner = createPubSubProvisioner(client, { ...settings, emulatorHost });
      publisher = createPubSubPublisher(client, settings.publishBatching, emulatorHost);
    }
    return { pubsub: client, provisioner, publisher };
  }

  /**
   * Makes sure a queue exists for a producer: its topic, its one subscription, and its dead-letter
   * topic and subscription. An existing subscription keeps the dead-letter policy its consumer set.
   */
  async function ensureQueue(queue: string, ordering: boolean): Promise<void> {
    const { provisioner } = ready();
    await ensureSourceSubscription(provisioner, {
      subscription: id(queueSubscriptionName(queue)),
      topic: id(queue),
      logicalName: queueSubscriptionName(queue),
      maxAttempts: MIN_NATIVE_ATTEMPTS,
      existing: 'keep',
      ordering,
    });
  }

  /**
   * Makes sure a subscription that is consumed (a queue's, a topic's, a rule's) exists with the
   * dead-letter policy `maxAttempts` calls for: dead letters go to `<logicalName>.dlq` after
   * `maxAttempts` deliveries (clamped to Pub/Sub's 5..100). `Infinity` (dead-lettering off) means no
   * policy at all: Pub/Sub then never forwards a message, and attempts are counted by the consumer.
   */
  async function ensureSourceSubscription(
    provisioner: PubSubProvisioner,
    spec: {
      subscription: string;
      topic: string;
      logicalName: string;
      maxAttempts: number;
      existing: 'reconcile' | 'keep';
      ordering: boolean;
      filter?: string;
    },
  ): Promise<void> {
    const common = {
      name: spec.subscription,
      topic: spec.topic,
      existing: spec.existing,
      ordering: spec.ordering,
      ...(spec.filter ? { filter: spec.filter } : {}),
    };
    if (spec.maxAttempts === Number.POSITIVE_INFINITY) {
      await provisioner.ensureSubscription({ ...common, deadLetterPolicy: 'none' });
      return;
    }
    const deadLetterTopic = id(deadLetterName(spec.logicalName));
    await ensureDeadLetterSubscription(provisioner, deadLetterTopic);
    await provisioner.ensureSubscription({
      ...common,
      deadLetterPolicy: {
        topic: deadLetterTopic,
        maxDeliveryAttempts: Math.min(MAX_NATIVE_ATTEMPTS, Math.max(MIN_NATIVE_ATTEMPTS, spec.maxAttempts)),
      },
    });
  }

  /** A dead-letter topic with its one subscription, where dead letters wait to be read. */
  function ensureDeadLetterSubscription(provisioner: PubSubProvisioner, topic: string): Promise<void> {
    return provisioner.ensureSubscription({
      name: topic,
      topic,
      deadLetterPolicy: 'none',
      existing: 'keep',
      ordering: false,
    });
  }

  function resolveSource(source: SourceRef): ResolvedSource {
    switch (source.kind) {
      case 'queue':
        return {
          subscription: id(queueSubscriptionName(source.queue)),
          topic: id(source.queue),
          label: source.queue,
          logicalName: queueSubscriptionName(source.queue),
          isDeadLetter: false,
        };
      case 'subscription': {
        const name = topicSubscriptionName(source.topic, source.subscription);
        return {
          subscription: id(name),
          topic: id(source.topic),
          label: `${source.topic}/${source.subscription}`,
          logicalName: name,
          isDeadLetter: false,
        };
      }
      case 'dead-letter': {
        const of = resolveSource(source.of);
        const name = deadLetterName(of.logicalName);
        return {
          subscription: id(name),
          topic: id(name),
          label: of.label,
          logicalName: name,
          isDeadLetter: true,
        };
      }
    }
  }

  /** Publishes a dead letter of `source` to its dead-letter topic, creating topic and subscription first. */
  async function publishDeadLetter(source: ResolvedSource, message: EncodedMessage): Promise<void> {
    const { provisioner, publisher } = ready();
    const topic = id(deadLetterName(source.logicalName));
    await ensureDeadLetterSubscription(provisioner, topic);
    await publisher.publish(topic, [message], { orderingKeys: false });
  }

  function startConsumer(
    source: ResolvedSource,
    concurrency: number,
    ordering: 'key' | 'none',
    onDelivery: DeliveryHandler,
  ) {
    const { pubsub } = ready();
    const consumer = startPubSubConsumer(
      {
        pubsub,
        subscription: source.subscription,
        concurrency,
        ordering,
        ackBatching: settings.ackBatching,
        deadLetter: (message) => publishDeadLetter(source, message),
        describeSource: source.label,
      },
      onDelivery,
    );
    consumers.add(consumer);
    return {
      async stop() {
        await consumer.stop();
        consumers.delete(consumer);
      },
    };
  }

  async function forward(rule: RuleDefinition, delivery: Delivery): Promise<void> {
    const { provisioner, publisher } = ready();
    if ('queue' in rule.target) {
      await ensureQueue(rule.target.queue, false);
      await publisher.publish(id(rule.target.queue), [delivery.message]);
    } else {
      await provisioner.ensureTopic(id(rule.target.topic));
      await publisher.publish(id(rule.target.topic), [delivery.message]);
    }
  }

  const deadLetterStore = createPubSubDeadLetterStore({
    // The client as it is while closing too, so that open leases can still be given back.
    pubsub: () => client ?? ready().pubsub,
    emulatorHost: () => emulatorHost,
    async resolve(of) {
      const { provisioner } = ready();
      const parent = resolveSource(of);
      const dead = resolveSource({ kind: 'dead-letter', of });
      if (settings.provision === 'never') {
        // Only checks: the parent first, so the error names what the user wrote.
        await provisioner.ensureSubscription({
          name: parent.subscription,
          topic: parent.topic,
          deadLetterPolicy: 'none',
          existing: 'keep',
          ordering: false,
        });
      }
      await ensureDeadLetterSubscription(provisioner, dead.topic);
      return { subscription: dead.subscription, label: parent.label };
    },
  });

  return {
    specificationVersion: 'v1',
    name: NAME,
    capabilities: gcpPubSubCapabilities,
    provision: settings.provision,
    deadLetterStore,

    async connect() {
      const { pubsub } = ready();
      if (emulator) {
        // Fail now, not after the client retried an absent emulator for a minute.
        await probeEmulator(emulator.host, emulator.port).catch((error: unknown) => {
          throw mapGcpPubSubError(error, { action: 'connecting to the Pub/Sub emulator', emulatorHost });
        });
      }
      if (settings.projectId || settings.emulatorHost || settings.client) return;
      try {
        // Besides the emulator probe, only discovery needs I/O here; streams and admin calls
        // connect lazily.
        await pubsub.auth.getProjectId();
      } catch (error) {
        throw mapGcpPubSubError(error, {
          action: 'finding the Google Cloud project (set projectId or GOOGLE_CLOUD_PROJECT)',
          emulatorHost,
        });
      }
    },

    close() {
      closing ??= (async () => {
        await Promise.allSettled([...routers.values()].map(({ router }) => router.stop()));
        routers.clear();
        if (client) await deadLetterStore.releaseAll();
        await Promise.allSettled([...consumers].map((consumer) => consumer.stop()));
        consumers.clear();
        await publisher?.close();
        if (client && !settings.client) await client.close().catch(() => undefined);
      })();
      return closing;
    },

    async send(queue: string, messages: readonly EncodedMessage[], sendOptions: SendOptions) {
      if (sendOptions.delayMs !== undefined && sendOptions.delayMs > 0) {
        throw new UnsupportedFeatureError('delayed delivery', 'Pub/Sub has no scheduled delivery.', {
          transport: NAME,
        });
      }
      await ensureQueue(queue, sendOptions.ordering === 'key');
      await ready().publisher.publish(id(queue), messages);
    },

    async publish(topic: string, messages: readonly EncodedMessage[], sendOptions: SendOptions) {
      if (sendOptions.delayMs !== undefined && sendOptions.delayMs > 0) {
        throw new UnsupportedFeatureError('delayed delivery', 'Pub/Sub has no scheduled delivery.', {
          transport: NAME,
        });
      }
      const { provisioner, publisher } = ready();
      await provisioner.ensureTopic(id(topic));
      await publisher.publish(id(topic), messages);
    },

    async emit(events: readonly EncodedMessage[]) {
      const { provisioner, publisher } = ready();
      await provisioner.ensureTopic(eventsTopic);
      await publisher.publish(eventsTopic, events);
    },

    async consume(source: SourceRef, onDelivery: DeliveryHandler, consumeOptions: ConsumeOptions) {
      const { provisioner } = ready();
      const resolved = resolveSource(source);
      if (resolved.isDeadLetter) {
        await ensureDeadLetterSubscription(provisioner, resolved.topic);
      } else {
        await ensureSourceSubscription(provisioner, {
          subscription: resolved.subscription,
          topic: resolved.topic,
          logicalName: resolved.logicalName,
          maxAttempts: consumeOptions.maxAttempts,
          existing: 'reconcile',
          // Ordering is fixed when a subscription is created, and only switched on when asked for:
          // it costs throughput, and the emulator breaks dead-letter policies on ordered subscriptions.
          ordering: consumeOptions.ordering === 'key',
        });
      }
      return startConsumer(resolved, consumeOptions.concurrency, consumeOptions.ordering, onDelivery);
    },

    async putRule(rule: RuleDefinition) {
      const { provisioner } = ready();
      const filter = compilePubSubFilter(rule.pattern as Readonly<Record<string, unknown>>);
      if ('queue' in rule.target) await ensureQueue(rule.target.queue, false);
      else await provisioner.ensureTopic(id(rule.target.topic));
      const existing = routers.get(rule.name);
      if (existing && existing.filter === filter) {
        existing.router.update(rule);
        return;
      }
      if (existing) {
        routers.delete(rule.name);
        await existing.router.stop();
      }
      const logicalName = ruleSubscriptionName(settings.eventsTopic, rule.name);
      const source: ResolvedSource = {
        subscription: id(logicalName),
        topic: eventsTopic,
        label: `rule ${rule.name}`,
        logicalName,
        isDeadLetter: false,
      };
      await ensureSourceSubscription(provisioner, {
        subscription: source.subscription,
        topic: eventsTopic,
        logicalName,
        maxAttempts: MAX_NATIVE_ATTEMPTS,
        existing: 'reconcile',
        ordering: false,
        ...(filter ? { filter } : {}),
      });
      const router = startRuleRouter(rule, {
        consume: (onDelivery) => startConsumer(source, 64, 'none', onDelivery),
        forward,
      });
      routers.set(rule.name, { router, filter });
    },

    async deleteRule(name: string) {
      const { provisioner } = ready();
      const existing = routers.get(name);
      routers.delete(name);
      await existing?.router.stop();
      await provisioner.deleteSubscription(id(ruleSubscriptionName(settings.eventsTopic, name)));
    },
  };
}
