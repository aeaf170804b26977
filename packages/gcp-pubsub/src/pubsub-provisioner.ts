import type { PubSub } from '@google-cloud/pubsub';
import { ConfigurationError } from '@omnibus/core';
import { GrpcStatus, grpcCode, mapGcpPubSubError } from './map-gcp-pubsub-error.js';

/**
 * Total time an admin call (create, read, update, delete of a topic or subscription) may take with
 * the client's retries. The client's own default is 60 s, which turns an unreachable endpoint into a
 * minute-long hang; admin calls answer in well under a second when Pub/Sub is reachable.
 */
export const ADMIN_TIMEOUT_MS = 15_000;

/** How a subscription this transport uses must be set up. */
export interface SubscriptionSpec {
  /** Native subscription id. */
  readonly name: string;
  /** Native topic id it is attached to. */
  readonly topic: string;
  /**
   * The subscription's dead-letter policy: the native dead-letter topic and Pub/Sub's
   * maxDeliveryAttempts (5..100); `'none'` for no policy at all, so Pub/Sub never forwards a message.
   */
  readonly deadLetterPolicy: { readonly topic: string; readonly maxDeliveryAttempts: number } | 'none';
  /**
   * What to do when the subscription exists with another dead-letter policy. `'reconcile'` (a
   * consumer: it owns the policy) updates it; `'keep'` (a producer making sure messages have
   * somewhere to wait) leaves it as the consumer set it.
   */
  readonly existing: 'reconcile' | 'keep';
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
  options: {
    readonly provision: 'auto' | 'never';
    readonly ackDeadlineSeconds: number;
    /** For the hint of unreachable errors. */
    readonly emulatorHost: string | undefined;
  },
): PubSubProvisioner {
  const topics = new Map<string, Promise<void>>();
  const subscriptions = new Map<string, Promise<void>>();
  const gaxOpts = { timeout: ADMIN_TIMEOUT_MS };
  const fail = (error: unknown, action: string) =>
    mapGcpPubSubError(error, { action, emulatorHost: options.emulatorHost });

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

  /** A topic's or subscription's metadata, or `undefined` when it does not exist. */
  async function readIfExists<T>(
    read: () => Promise<readonly [T, ...unknown[]]>,
    what: string,
  ): Promise<T | undefined> {
    try {
      const [metadata] = await read();
      return metadata;
    } catch (error) {
      if (grpcCode(error) === GrpcStatus.notFound) return undefined;
      throw fail(error, `checking ${what}`);
    }
  }

  async function createTopic(topic: string): Promise<void> {
    if (options.provision === 'never') {
      if (!(await readIfExists(() => pubsub.topic(topic).getMetadata(gaxOpts), `topic '${topic}'`)))
        throw missing(`topic '${topic}'`);
      return;
    }
    try {
      await pubsub.createTopic(topic, gaxOpts);
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.alreadyExists) throw fail(error, `creating topic '${topic}'`);
    }
  }

  async function createSubscription(spec: SubscriptionSpec): Promise<void> {
    const subscription = pubsub.subscription(spec.name);
    if (options.provision === 'never') {
      const metadata = await readIfExists(
        () => subscription.getMetadata(gaxOpts),
        `subscription '${spec.name}'`,
      );
      if (!metadata) throw missing(`subscription '${spec.name}' (of topic '${spec.topic}')`);
      const policy = metadata.deadLetterPolicy;
      if (spec.existing === 'reconcile' && spec.deadLetterPolicy === 'none' && policy?.deadLetterTopic) {
        // Nothing may be changed here, and leaving the policy would dead-letter what must not be.
        throw new ConfigurationError(
          `Pub/Sub subscription '${spec.name}' has a dead-letter policy (to '${policy.deadLetterTopic}' after ` +
            `${policy.maxDeliveryAttempts} deliveries), but its consumer turned dead-lettering off and provisioning is 'never'. ` +
            "Remove the subscription's dead-letter policy, or use provision: 'auto'.",
          { transport: 'gcp-pubsub' },
        );
      }
      return;
    }
    if (spec.deadLetterPolicy !== 'none') await ensureTopic(spec.deadLetterPolicy.topic);
    await ensureTopic(spec.topic);
    const deadLetterPolicy =
      spec.deadLetterPolicy === 'none'
        ? undefined
        : {
            deadLetterTopic: pubsub.topic(spec.deadLetterPolicy.topic).name,
            maxDeliveryAttempts: spec.deadLetterPolicy.maxDeliveryAttempts,
          };
    try {
      await pubsub.topic(spec.topic).createSubscription(spec.name, {
        ackDeadlineSeconds: options.ackDeadlineSeconds,
        enableMessageOrdering: spec.ordering,
        ...(deadLetterPolicy ? { deadLetterPolicy } : {}),
        ...(spec.filter ? { filter: spec.filter } : {}),
        gaxOpts,
      });
      return;
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.alreadyExists) {
        throw fail(error, `creating subscription '${spec.name}' of topic '${spec.topic}'`);
      }
    }
    // It exists: check it is the one we mean, and bring the dead-letter policy up to date.
    const [metadata] = await subscription.getMetadata(gaxOpts).catch((error: unknown) => {
      throw fail(error, `reading subscription '${spec.name}'`);
    });
    if ((metadata.filter ?? '') !== (spec.filter ?? '')) {
      // A filter is fixed at creation: a rule whose filter changed gets a new subscription.
      await subscription.delete(gaxOpts).catch((error: unknown) => {
        if (grpcCode(error) !== GrpcStatus.notFound)
          throw fail(error, `replacing subscription '${spec.name}'`);
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
    if (spec.existing === 'keep') return;
    const current = metadata.deadLetterPolicy?.deadLetterTopic ? metadata.deadLetterPolicy : undefined;
    const upToDate = deadLetterPolicy
      ? current?.deadLetterTopic === deadLetterPolicy.deadLetterTopic &&
        current.maxDeliveryAttempts === deadLetterPolicy.maxDeliveryAttempts
      : current === undefined;
    if (!upToDate) {
      // `null` clears the policy (the update mask names the field, the value is empty).
      await subscription
        .setMetadata({ deadLetterPolicy: deadLetterPolicy ?? null }, gaxOpts)
        .catch((error: unknown) => {
          throw fail(error, `updating the dead-letter policy of subscription '${spec.name}'`);
        });
    }
  }

  function ensureTopic(topic: string): Promise<void> {
    return once(topics, topic, () => createTopic(topic));
  }

  return {
    ensureTopic,
    ensureSubscription(spec) {
      const policy =
        spec.deadLetterPolicy === 'none'
          ? 'none'
          : `${spec.deadLetterPolicy.topic}\u0000${spec.deadLetterPolicy.maxDeliveryAttempts}`;
      const key = [spec.name, spec.existing, policy, spec.ordering, spec.filter ?? ''].join('\u0000');
      if (spec.existing === 'reconcile') {
        // The last consumer's policy wins: forget other reconciled policies, so switching back
        // (attempts 5, then dead-lettering off, then 5 again) reconciles again.
        const prefix = `${spec.name}\u0000reconcile\u0000`;
        for (const other of subscriptions.keys())
          if (other !== key && other.startsWith(prefix)) subscriptions.delete(other);
      }
      return once(subscriptions, key, () => createSubscription(spec));
    },
    async deleteSubscription(name) {
      this.forget(name);
      try {
        await pubsub.subscription(name).delete(gaxOpts);
      } catch (error) {
        if (grpcCode(error) !== GrpcStatus.notFound) throw fail(error, `deleting subscription '${name}'`);
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
