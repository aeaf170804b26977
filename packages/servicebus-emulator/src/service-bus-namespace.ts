import type { EmulatorClock, TimerHandle } from './emulator-clock.js';
import {
  type QueueOptions,
  type ResolvedDuplicateDetection,
  type RuleDefinition,
  resolveDuplicateDetection,
  resolveReceivableOptions,
  type SubscriptionOptions,
  type TopicOptions,
} from './entity-options.js';
import type { MessageContent } from './message-content.js';
import { createMessageEntity, type EntityHost, type MessageEntity } from './message-entity.js';
import { ServiceBusFault } from './service-bus-fault.js';
import { type CompiledRule, compileRule, defaultRuleName, trueRule } from './subscription-rule.js';

/** Service Bus stops auto-forwarding chains after four hops. */
const maxForwardingHops = 4;

interface DuplicateDetector {
  readonly settings: ResolvedDuplicateDetection;
  /** Message ids seen, with the time each stops counting as a duplicate. */
  readonly seen: Map<string, number>;
}

interface QueueRecord {
  readonly name: string;
  readonly entity: MessageEntity;
  readonly duplicates: DuplicateDetector;
}

interface SubscriptionRecord {
  readonly name: string;
  readonly entity: MessageEntity;
  readonly rules: Map<string, CompiledRule>;
}

interface TopicRecord {
  readonly name: string;
  readonly subscriptions: Map<string, SubscriptionRecord>;
  readonly duplicates: DuplicateDetector;
  readonly defaultMessageTimeToLiveMs: number | undefined;
  /** Messages scheduled on the topic itself; they fan out when due. */
  readonly scheduled: Map<number, TimerHandle>;
  nextScheduledSequenceNumber: number;
}

/** What an AMQP address points at. */
export type ResolvedAddress =
  | { kind: 'cbs' }
  | {
      kind: 'management';
      entity: MessageEntity | undefined;
      subscription: SubscriptionRecord | undefined;
      path: string;
    }
  | { kind: 'receivable'; entity: MessageEntity }
  | { kind: 'sendable'; path: string };

export type ServiceBusNamespace = ReturnType<typeof createServiceBusNamespace>;

const key = (name: string) => name.toLowerCase();

/**
 * The namespace: its queues, topics and subscriptions, address resolution, and the send path
 * (duplicate detection, topic fan-out through rules, auto-forwarding).
 */
export function createServiceBusNamespace(clock: EmulatorClock) {
  const queues = new Map<string, QueueRecord>();
  const topics = new Map<string, TopicRecord>();
  let forwardingDepth = 0;

  const host: EntityHost = {
    clock,
    forward(targetName, content, deadLetterSource) {
      if (forwardingDepth >= maxForwardingHops) return;
      forwardingDepth++;
      try {
        send(targetName, content, deadLetterSource);
      } catch {
        // A forwarding target that vanished or refuses the message drops it, as Service Bus does.
      } finally {
        forwardingDepth--;
      }
    },
  };

  const requireUnusedName = (name: string) => {
    if (queues.has(key(name)) || topics.has(key(name))) {
      throw new ServiceBusFault('entityAlreadyExists', `The messaging entity '${name}' already exists.`);
    }
  };

  const isDuplicate = (detector: DuplicateDetector, content: MessageContent): boolean => {
    if (!detector.settings.requiresDuplicateDetection) return false;
    const messageId = String(content.properties.message_id);
    const now = clock.now();
    for (const [id, until] of detector.seen) {
      if (until > now) break;
      detector.seen.delete(id);
    }
    const until = detector.seen.get(messageId);
    if (until !== undefined && until > now) return true;
    detector.seen.delete(messageId);
    detector.seen.set(messageId, now + detector.settings.duplicateDetectionHistoryTimeWindowMs);
    return false;
  };

  const topicOrThrow = (topicName: string) => {
    const topic = topics.get(key(topicName));
    if (!topic)
      throw new ServiceBusFault('entityNotFound', `The messaging entity '${topicName}' could not be found.`);
    return topic;
  };

  const subscriptionOrThrow = (topicName: string, subscriptionName: string) => {
    const subscription = topicOrThrow(topicName).subscriptions.get(key(subscriptionName));
    if (!subscription) {
      throw new ServiceBusFault(
        'entityNotFound',
        `The messaging entity '${topicName}/Subscriptions/${subscriptionName}' could not be found.`,
      );
    }
    return subscription;
  };

  /** Sends content to a queue or topic by name; `deadLetterSource` marks forwarded dead letters. */
  function send(targetName: string, content: MessageContent, deadLetterSource?: string): void {
    const queue = queues.get(key(targetName));
    if (queue) {
      if (isDuplicate(queue.duplicates, content)) return;
      queue.entity.enqueue(content, deadLetterSource);
      return;
    }
    const topic = topics.get(key(targetName));
    if (!topic)
      throw new ServiceBusFault('entityNotFound', `The messaging entity '${targetName}' could not be found.`);
    if (isDuplicate(topic.duplicates, content)) return;
    for (const subscription of topic.subscriptions.values()) {
      const copy = routeThroughRules(subscription, content);
      if (copy) subscription.entity.enqueue(copy, deadLetterSource);
    }
  }

  /**
   * A message goes to a subscription once if any rule matches; the first matching rule with an
   * action shapes the copy (Service Bus applies the action of the rule that matched).
   */
  const routeThroughRules = (
    subscription: SubscriptionRecord,
    content: MessageContent,
  ): MessageContent | undefined => {
    let matched: MessageContent | undefined;
    for (const rule of subscription.rules.values()) {
      if (!rule.matches(content)) continue;
      matched = rule.apply(matched ?? content);
    }
    return matched;
  };

  /** Strips an `amqp://host` prefix some clients put on addresses. */
  const entityPathOf = (address: string) => address.replace(/^amqps?:\/\/[^/]+\//i, '').replace(/^\/+/, '');

  /** Finds a receivable entity (queue, subscription, or one of their dead-letter queues). */
  const findReceivable = (path: string): MessageEntity | undefined => {
    const segments = path.split('/');
    let base: MessageEntity | undefined;
    let rest: string[];
    const queue = queues.get(key(segments[0] ?? ''));
    if (queue) {
      base = queue.entity;
      rest = segments.slice(1);
    } else if (segments.length >= 3 && key(segments[1]!) === 'subscriptions') {
      base = topics.get(key(segments[0]!))?.subscriptions.get(key(segments[2]!))?.entity;
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    const suffix = rest.map(key).join('/');
    if (suffix === '') return base;
    if (suffix === '$deadletterqueue') return base?.deadLetterQueue;
    if (suffix === '$transfer/$deadletterqueue') return base?.transferDeadLetterQueue;
    return undefined;
  };

  return {
    clock,

    createQueue(name: string, options: QueueOptions = {}): void {
      requireUnusedName(name);
      queues.set(key(name), {
        name,
        entity: createMessageEntity({
          path: name,
          options: resolveReceivableOptions(options),
          host,
          kind: 'queue',
        }),
        duplicates: { settings: resolveDuplicateDetection(options), seen: new Map() },
      });
    },

    createTopic(name: string, options: TopicOptions = {}): void {
      requireUnusedName(name);
      topics.set(key(name), {
        name,
        subscriptions: new Map(),
        duplicates: { settings: resolveDuplicateDetection(options), seen: new Map() },
        defaultMessageTimeToLiveMs: options.defaultMessageTimeToLiveMs,
        scheduled: new Map(),
        nextScheduledSequenceNumber: 1,
      });
    },

    createSubscription(topicName: string, name: string, options: SubscriptionOptions = {}): void {
      const topic = topicOrThrow(topicName);
      if (topic.subscriptions.has(key(name))) {
        throw new ServiceBusFault(
          'entityAlreadyExists',
          `The subscription '${topicName}/Subscriptions/${name}' already exists.`,
        );
      }
      const topicTtl = topic.defaultMessageTimeToLiveMs;
      const ownTtl = options.defaultMessageTimeToLiveMs;
      const resolved = resolveReceivableOptions({
        ...options,
        defaultMessageTimeToLiveMs:
          ownTtl === undefined ? topicTtl : topicTtl === undefined ? ownTtl : Math.min(ownTtl, topicTtl),
      });
      const rules = new Map<string, CompiledRule>();
      for (const rule of options.rules ?? [trueRule(defaultRuleName)])
        rules.set(key(rule.name), compileRule(rule));
      const path = `${topic.name}/Subscriptions/${name}`;
      topic.subscriptions.set(key(name), {
        name,
        entity: createMessageEntity({ path, options: resolved, host, kind: 'subscription' }),
        rules,
      });
    },

    /** Adds a rule; throws `entity-already-exists` for a taken name, `argument-error` for bad SQL. */
    addRule(topicName: string, subscriptionName: string, rule: RuleDefinition): void {
      const subscription = subscriptionOrThrow(topicName, subscriptionName);
      if (subscription.rules.has(key(rule.name))) {
        throw new ServiceBusFault(
          'entityAlreadyExists',
          `The messaging entity '${rule.name}' already exists.`,
        );
      }
      subscription.rules.set(key(rule.name), compileRule(rule));
    },

    removeRule(topicName: string, subscriptionName: string, ruleName: string): void {
      const subscription = subscriptionOrThrow(topicName, subscriptionName);
      if (!subscription.rules.delete(key(ruleName))) {
        throw new ServiceBusFault('messageNotFound', `The rule '${ruleName}' could not be found.`);
      }
    },

    listRules(topicName: string, subscriptionName: string): RuleDefinition[] {
      return [...subscriptionOrThrow(topicName, subscriptionName).rules.values()].map(
        (rule) => rule.definition,
      );
    },

    send,

    /** Schedules content on a topic; it fans out to subscriptions at `at`. */
    scheduleOnTopic(topicName: string, content: MessageContent, at: number): number {
      const topic = topicOrThrow(topicName);
      const sequenceNumber = topic.nextScheduledSequenceNumber++;
      topic.scheduled.set(
        sequenceNumber,
        clock.setTimer(() => {
          topic.scheduled.delete(sequenceNumber);
          send(topic.name, content);
        }, at - clock.now()),
      );
      return sequenceNumber;
    },

    cancelScheduledOnTopic(topicName: string, sequenceNumbers: number[]): void {
      const topic = topicOrThrow(topicName);
      for (const sequenceNumber of sequenceNumbers) {
        const timer = topic.scheduled.get(sequenceNumber);
        if (!timer) {
          throw new ServiceBusFault(
            'messageNotFound',
            `The scheduled message with sequence number ${sequenceNumber} was not found.`,
          );
        }
        timer.cancel();
        topic.scheduled.delete(sequenceNumber);
      }
    },

    /** Resolves a link address; `undefined` means the entity does not exist. */
    resolve(address: string): ResolvedAddress | undefined {
      const path = entityPathOf(address);
      if (key(path) === '$cbs') return { kind: 'cbs' };
      const management = /^(.*)\/\$management$/i.exec(path);
      if (management) {
        const entityPath = management[1]!;
        const entity = findReceivable(entityPath);
        const segments = entityPath.split('/');
        const subscription =
          segments.length === 3 && key(segments[1]!) === 'subscriptions'
            ? topics.get(key(segments[0]!))?.subscriptions.get(key(segments[2]!))
            : undefined;
        if (!entity && !topics.has(key(entityPath))) return undefined;
        return { kind: 'management', entity, subscription, path: entityPath };
      }
      const entity = findReceivable(path);
      if (entity) return { kind: 'receivable', entity };
      if (topics.has(key(path))) return { kind: 'sendable', path };
      return undefined;
    },

    /** Whether `path` names a queue or topic that accepts sends. */
    isSendable(path: string): boolean {
      const name = key(entityPathOf(path));
      return queues.has(name) || topics.has(name);
    },

    /** The receivable entity at `path` (queue, subscription or a dead-letter queue), or throws. */
    entity(path: string): MessageEntity {
      const entity = findReceivable(entityPathOf(path));
      if (!entity)
        throw new ServiceBusFault('entityNotFound', `The messaging entity '${path}' could not be found.`);
      return entity;
    },

    dispose(): void {
      for (const queue of queues.values()) queue.entity.dispose();
      for (const topic of topics.values()) {
        for (const subscription of topic.subscriptions.values()) subscription.entity.dispose();
        for (const timer of topic.scheduled.values()) timer.cancel();
      }
    },
  };
}
