import type { PubSub } from '@google-cloud/pubsub';
import { ConfigurationError } from '@omnibus/core';
import { GrpcStatus, grpcCode, mapGcpPubSubError } from './map-gcp-pubsub-error.js';

/** How a subscription this transport uses must be set up. */
export interface SubscriptionSpec {
  /** Native subscription id. */
  readonly name: string;
  /** Native topic id it is attached to. */
  readonly topic: string;
  /** Native id of the dead-letter topic for the subscription's dead-letter policy, if any. */
  readonly deadLetterTopic?: string;
  /** Pub/Sub's maxDeliveryAttempts (5..100) when `deadLetterTopic` is set. */
  readonly maxDeliveryAttempts?: number;
  /** Whether messages with the same ordering key are delivered in order. */
  readonly ordering: boolean;
  /** A Pub/Sub filter; fixed at creation. */
  readonly filter?: string;
}

/** Creates (or, with provision 'never', checks) topics and subscriptions, once per process. */
export interface PubSubProvisioner {
  ensureTopic(topic: string): Promise<void>;
  ensureSubscription(spec: SubscriptionSpec): Promise<void>;
  deleteSubscription(name: string): Promise<void>;
  /** Forgets what was ensured, e.g. after a subscription was deleted. */
  forget(name: string): void;
}

export function createPubSubProvisioner(
  pubsub: PubSub,
  options: { readonly provision: 'auto' | 'never'; readonly ackDeadlineSeconds: number },
): PubSubProvisioner {
  const topics = new Map<string, Promise<void>>();
  const subscriptions = new Map<string, Promise<void>>();

  function once(cache: Map<string, Promise<void>>, key: string, work: () => Promise<void>): Promise<void> {
    let pending = cache.get(key);
    if (!pending) {
      pending = work();
      cache.set(key, pending);
      // A failure is not cached: the next use tries again.
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }

  async function createTopic(topic: string): Promise<void> {
    if (options.provision === 'never') {
      const [exists] = await pubsub
        .topic(topic)
        .exists()
        .catch((error: unknown) => {
          throw mapGcpPubSubError(error, `checking topic '${topic}'`);
        });
      if (!exists) throw missing(`topic '${topic}'`);
      return;
    }
    try {
      await pubsub.createTopic(topic);
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.alreadyExists)
        throw mapGcpPubSubError(error, `creating topic '${topic}'`);
    }
  }

  async function createSubscription(spec: SubscriptionSpec): Promise<void> {
    const subscription = pubsub.subscription(spec.name);
    if (options.provision === 'never') {
      const [exists] = await subscription.exists().catch((error: unknown) => {
        throw mapGcpPubSubError(error, `checking subscription '${spec.name}'`);
      });
      if (!exists) throw missing(`subscription '${spec.name}' (of topic '${spec.topic}')`);
      return;
    }
    if (spec.deadLetterTopic !== undefined) await ensureTopic(spec.deadLetterTopic);
    await ensureTopic(spec.topic);
    const deadLetterPolicy =
      spec.deadLetterTopic === undefined
        ? undefined
        : {
            deadLetterTopic: pubsub.topic(spec.deadLetterTopic).name,
            maxDeliveryAttempts: spec.maxDeliveryAttempts ?? 5,
          };
    try {
      await pubsub.topic(spec.topic).createSubscription(spec.name, {
        ackDeadlineSeconds: options.ackDeadlineSeconds,
        enableMessageOrdering: spec.ordering,
        ...(deadLetterPolicy ? { deadLetterPolicy } : {}),
        ...(spec.filter ? { filter: spec.filter } : {}),
      });
      return;
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.alreadyExists) {
        throw mapGcpPubSubError(error, `creating subscription '${spec.name}' of topic '${spec.topic}'`);
      }
    }
    // It exists: check it is the one we mean, and bring the dead-letter policy up to date.
    const [metadata] = await subscription.getMetadata().catch((error: unknown) => {
      throw mapGcpPubSubError(error, `reading subscription '${spec.name}'`);
    });
    if ((metadata.filter ?? '') !== (spec.filter ?? '')) {
      // A filter is fixed at creation: a rule whose filter changed gets a new subscription.
      await subscription.delete().catch((error: unknown) => {
        if (grpcCode(error) !== GrpcStatus.notFound)
          throw mapGcpPubSubError(error, `replacing subscription '${spec.name}'`);
      });
      return createSubscription(spec);
    }
    const expectedTopic = pubsub.topic(spec.topic).name;
    if (metadata.topic && metadata.topic !== expectedTopic) {
      throw new ConfigurationError(
        `Pub/Sub subscription '${spec.name}' already exists on topic '${metadata.topic}', not '${expectedTopic}'. ` +
          'A queue and a topic subscription map to the same name; rename one of them.',
        { transport: 'gcp-pubsub' },
      );
    }
    if (spec.ordering && !metadata.enableMessageOrdering) {
      throw new ConfigurationError(
        `Pub/Sub subscription '${spec.name}' was created without message ordering, which cannot be changed. ` +
          'Delete it (its backlog is lost) or consume without ordering.',
        { transport: 'gcp-pubsub' },
      );
    }
    if (
      deadLetterPolicy &&
      (metadata.deadLetterPolicy?.deadLetterTopic !== deadLetterPolicy.deadLetterTopic ||
        metadata.deadLetterPolicy?.maxDeliveryAttempts !== deadLetterPolicy.maxDeliveryAttempts)
    ) {
      await subscription.setMetadata({ deadLetterPolicy }).catch((error: unknown) => {
        throw mapGcpPubSubError(error, `updating the dead-letter policy of subscription '${spec.name}'`);
      });
    }
  }

  function ensureTopic(topic: string): Promise<void> {
    return once(topics, topic, () => createTopic(topic));
  }

  return {
    ensureTopic,
    ensureSubscription(spec) {
      const key = `${spec.name}\u0000${spec.maxDeliveryAttempts ?? ''}\u0000${spec.ordering}\u0000${spec.filter ?? ''}`;
      return once(subscriptions, key, () => createSubscription(spec));
    },
    async deleteSubscription(name) {
      this.forget(name);
      try {
        await pubsub.subscription(name).delete();
      } catch (error) {
        if (grpcCode(error) !== GrpcStatus.notFound)
          throw mapGcpPubSubError(error, `deleting subscription '${name}'`);
      }
    },
    forget(name) {
      for (const key of subscriptions.keys()) if (key.startsWith(`${name}\u0000`)) subscriptions.delete(key);
    },
  };
}

function missing(what: string): ConfigurationError {
  return new ConfigurationError(
    `Pub/Sub ${what} does not exist and provisioning is 'never'. Create it, or use provision: 'auto'.`,
    { transport: 'gcp-pubsub' },
  );
}
