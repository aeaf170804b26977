import { ConfigurationError } from '@omnibus/core';
import type { EncodedMessage, RuleDefinition, SourceRef } from '@omnibus/core/transport';
import { BrokerTimers } from './broker-timers.js';
import { type Clock, systemClock } from './clock.js';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { MAX_DELAY_MS } from './memory-capabilities.js';
import {
  createMemoryFaults,
  type FaultHooks,
  type MemoryFaults,
  type MemorySource,
  sourceName,
} from './memory-faults.js';
import { Entry, type HoldKind, MemoryQueue, type QueueCounts, type QueueHost } from './memory-queue.js';
import { type DeadLetter, type PeekedMessage, peekEntry } from './peeked-message.js';
import { RuleRouter } from './rule-router.js';

/** Whether missing queues, topics, subscriptions and rules are created on use. */
export type Provision = 'auto' | 'never';

export interface MemoryBrokerOptions {
  /** The time source for delays, retry backoff and leases. @default systemClock */
  clock?: Clock;
  /** Used in error messages. @default 'memory' */
  name?: string;
}

export interface WaitForIdleOptions {
  /** Reject if the broker is not idle within this many real milliseconds. @default 10_000 */
  timeoutMs?: number;
}

/** Counts of one queue or subscription. */
export interface SourceCounts extends QueueCounts {
  /** Messages in its dead-letter queue. */
  readonly deadLetters: number;
}

/**
 * An in-process broker: queues, topics with durable subscriptions, an event bus with rules, dead
 * letters, delays and leases. Transports created on the same broker talk to each other. It is
 * also the test harness: create infrastructure, inspect it, inject faults, wait until idle.
 */
export interface MemoryBroker {
  readonly name: string;
  readonly clock: Clock;
  readonly faults: MemoryFaults;
  /** Creates a queue and its dead-letter queue `<name>.dlq`. Idempotent. */
  createQueue(name: string): void;
  /** Creates a topic. Idempotent. */
  createTopic(name: string): void;
  /** Creates a durable subscription (and its topic): it receives everything published from now on. Idempotent. */
  createSubscription(topic: string, subscription: string): void;
  /** Creates or replaces a rule, creating its target. Rules are broker-wide: every transport's `emit` uses them. */
  putRule(rule: RuleDefinition): void;
  /** Deletes a rule; deleting a missing rule does nothing. */
  deleteRule(name: string): void;
  /** Message counts of a queue (`'orders'`) or a subscription (`{ topic, subscription }`). */
  inspect(source: MemorySource): SourceCounts;
  /** The messages waiting in a queue or subscription, front first. */
  peek(source: MemorySource): PeekedMessage[];
  /** The messages waiting in the dead-letter queue of a queue or subscription, oldest first. */
  peekDeadLetters(source: MemorySource): DeadLetter[];
  /**
   * Resolves once nothing is in flight, no consumed queue has a message ready and no delayed message
   * is due. Messages in queues nobody consumes, and delays not yet due, do not count. Rejects
   * after `timeoutMs` naming what is still busy.
   */
  waitForIdle(options?: WaitForIdleOptions): Promise<void>;
}

/** Creates an independent broker. Transports share one when given the same `broker` option. */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  const clock = options.clock ?? systemClock;
  const problems: string[] = [];
  if (!isClock(clock)) problems.push('clock must have now(), setTimer() and clearTimer()');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    problems.push('name must be a non-empty string');
  }
  if (problems.length > 0) throw new ConfigurationError(`createMemoryBroker: ${problems.join('; ')}.`);
  return new Broker(options.name ?? 'memory', clock);
}

/** The broker behind a `MemoryBroker`, for the transport. */
export function brokerInternals(broker: MemoryBroker): Broker {
  if (!(broker instanceof Broker))
    throw new ConfigurationError('The memory transport needs a broker made by createMemoryBroker().');
  return broker;
}

interface TopicState {
  readonly name: string;
  readonly subscriptions: Map<string, MemoryQueue>;
}

export class Broker implements MemoryBroker, QueueHost {
  readonly faults: MemoryFaults;
  readonly maxRetryDelayMs = MAX_DELAY_MS;
  private readonly hooks: FaultHooks;
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly topics = new Map<string, TopicState>();
  private readonly router = new RuleRouter({
    targetOf: (target) => {
      if ('queue' in target) {
        const queue = this.ensureQueue(target.queue, true);
        return (event) => this.store(queue, [event], undefined);
      }
      const topic = this.ensureTopic(target.topic);
      return (event) => this.publish(topic, [event], undefined);
    },
  });
  /** Every queue, subscription and dead-letter queue, for idle checks. */
  private readonly everyQueue: MemoryQueue[] = [];
  private readonly scheduler = new DispatchScheduler();
  private readonly timers: BrokerTimers;

  constructor(
    readonly name: string,
    readonly clock: Clock,
  ) {
    this.timers = new BrokerTimers(clock);
    const faults = createMemoryFaults(name, (source) => this.find(source));
    this.faults = faults;
    this.hooks = faults;
  }

  // QueueHost

  requestDrain(queue: MemoryQueue): void {
    this.scheduler.request(queue);
  }

  hold(queue: MemoryQueue, entry: Entry, dueAt: number, kind: HoldKind): void {
    this.timers.hold(queue, entry, dueAt, kind);
  }

  consumersChanged(delta: number): void {
    this.timers.consumersChanged(delta);
  }

  deadLetterQueueOf(queue: MemoryQueue): MemoryQueue {
    if (queue.deadLetters === undefined) {
      const name = `${queue.name}.dlq`;
      queue.deadLetters =
        this.queues.get(queue.name) === queue ? this.ensureQueue(name, false) : this.newQueue(name);
    }
    return queue.deadLetters;
  }

  // Administration (the harness)

  createQueue(name: string): void {
    this.ensureQueue(checkName('queue', name), true);
  }

  createTopic(name: string): void {
    this.ensureTopic(checkName('topic', name));
  }

  createSubscription(topic: string, subscription: string): void {
    this.ensureSubscription(
      this.ensureTopic(checkName('topic', topic)),
      checkName('subscription', subscription),
    );
  }

  putRule(rule: RuleDefinition): void {
    this.router.put(rule);
  }

  deleteRule(name: string): void {
    this.router.delete(name);
  }

  inspect(source: MemorySource): SourceCounts {
    const queue = this.find(source);
    const deadLetters = queue.deadLetters;
    const dead =
      deadLetters === undefined ? 0 : deadLetters.ready.length + deadLetters.inFlight + deadLetters.delayed;
    return { ...queue.counts(), deadLetters: dead };
  }

  peek(source: MemorySource): PeekedMessage[] {
    return this.find(source).waiting().map(peekEntry);
  }

  peekDeadLetters(source: MemorySource): DeadLetter[] {
    return this.find(source).deadLetters?.waiting().map(peekEntry) ?? [];
  }

  waitForIdle(options: WaitForIdleOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      return Promise.reject(
        new ConfigurationError(`waitForIdle: timeoutMs must be a number >= 0; got ${String(timeoutMs)}.`),
      );
    }
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      let checks = 0;
      const check = () => {
        if (this.isIdle()) return resolve();
        if (Date.now() >= deadline) {
          const error = new Error(
            `waitForIdle: memory broker '${this.name}' still busy after ${timeoutMs} ms: ${this.describeBusy()}.`,
          );
          error.name = 'WaitForIdleTimeoutError';
          return reject(error);
        }
        // Check every turn at first (handlers that only await promises finish within a few), then
        // back off so a handler waiting on real I/O does not make this spin.
        if (++checks < 200) setImmediate(check);
        else setTimeout(check, 2);
      };
      setImmediate(check);
    });
  }

  // What transports use

  /** The queue `name`, created with its dead-letter queue when provisioning is `'auto'`. */
  queueFor(name: string, provision: Provision): MemoryQueue {
    const queue = this.queues.get(name);
    if (queue !== undefined) return queue;
    if (provision === 'never') throw this.missing(`queue '${name}'`, `broker.createQueue('${name}')`);
    return this.ensureQueue(name, true);
  }

  topicFor(name: string, provision: Provision): TopicState {
    const topic = this.topics.get(name);
    if (topic !== undefined) return topic;
    if (provision === 'never') throw this.missing(`topic '${name}'`, `broker.createTopic('${name}')`);
    return this.ensureTopic(name);
  }

  /** The queue a consumer of `source` reads. */
  sourceFor(source: SourceRef, provision: Provision): MemoryQueue {
    switch (source.kind) {
      case 'queue':
        return this.queueFor(source.queue, provision);
      case 'subscription': {
        const topic = this.topicFor(source.topic, provision);
        const queue = topic.subscriptions.get(source.subscription);
        if (queue !== undefined) return queue;
        if (provision === 'never') {
          throw this.missing(
            `subscription '${source.subscription}' of topic '${source.topic}'`,
            `broker.createSubscription('${source.topic}', '${source.subscription}')`,
          );
        }
        return this.ensureSubscription(topic, source.subscription);
      }
      case 'dead-letter':
        return this.deadLetterQueueOf(this.sourceFor(source.of, provision));
      default:
        throw new ConfigurationError(`Unknown source kind '${String((source as { kind?: unknown }).kind)}'.`);
    }
  }

  /** Stores messages in a queue, now or at `dueAt`; fault injection may store extra copies. */
  store(queue: MemoryQueue, messages: readonly EncodedMessage[], dueAt: number | undefined): void {
    const duplicating = this.hooks.duplicating;
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index]!;
      const copies = duplicating ? this.hooks.copies(queue) : 1;
      for (let copy = 0; copy < copies; copy++) {
        if (dueAt === undefined) queue.enqueue(new Entry(message, 1));
        else queue.enqueueAt(new Entry(message, 1), dueAt);
      }
    }
  }

  /** Copies messages into every subscription of the topic. */
  publish(topic: TopicState, messages: readonly EncodedMessage[], dueAt: number | undefined): void {
    for (const queue of topic.subscriptions.values()) this.store(queue, messages, dueAt);
  }

  /** Routes each event to the target of every rule it matches, once per rule. */
  emit(events: readonly EncodedMessage[]): void {
    this.router.route(events);
  }

  /** Creates, updates or (with provisioning `'never'`) checks a rule. */
  storeRule(rule: RuleDefinition, provision: Provision): void {
    if (provision === 'auto') {
      this.router.put(rule);
      return;
    }
    if (this.router.has(rule)) return;
    const what = this.router.named(rule.name)
      ? `rule '${rule.name}' with this definition (it exists with another)`
      : `rule '${rule.name}'`;
    throw this.missing(what, 'broker.putRule(...)');
  }

  /** Undefined, or a promise to await before confirming a send (see `DispatchScheduler.pace`). */
  pace(): Promise<void> | undefined {
    return this.scheduler.pace();
  }

  /** Throws the injected send failure, if any. */
  checkSend(): void {
    this.hooks.checkSend();
  }

  private find(source: MemorySource): MemoryQueue {
    if (typeof source === 'string') {
      const queue = this.queues.get(source);
      if (queue === undefined) {
        throw new ConfigurationError(
          `Memory broker '${this.name}' has no queue '${source}'. Queues: ${listOf(this.queues.keys())}.`,
        );
      }
      return queue;
    }
    const queue = this.topics.get(source?.topic)?.subscriptions.get(source?.subscription);
    if (queue === undefined)
      throw new ConfigurationError(
        `Memory broker '${this.name}' has no subscription '${sourceName(source)}'.`,
      );
    return queue;
  }

  private ensureQueue(name: string, withDeadLetters: boolean): MemoryQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = this.newQueue(name);
      this.queues.set(name, queue);
    }
    if (withDeadLetters) this.deadLetterQueueOf(queue);
    return queue;
  }

  private ensureTopic(name: string): TopicState {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      topic = { name, subscriptions: new Map() };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private ensureSubscription(topic: TopicState, subscription: string): MemoryQueue {
    let queue = topic.subscriptions.get(subscription);
    if (queue === undefined) {
      queue = this.newQueue(`${topic.name}/${subscription}`);
      topic.subscriptions.set(subscription, queue);
      this.deadLetterQueueOf(queue);
    }
    return queue;
  }

  private newQueue(name: string): MemoryQueue {
    const queue = new MemoryQueue(name, this);
    this.everyQueue.push(queue);
    return queue;
  }

  private isIdle(): boolean {
    if (this.scheduler.busy || this.timers.hasDue()) return false;
    for (const queue of this.everyQueue) if (!queue.isIdle()) return false;
    return true;
  }

  private describeBusy(): string {
    const busy: string[] = [];
    for (const queue of this.everyQueue) {
      if (queue.isIdle()) continue;
      const counts = queue.counts();
      busy.push(
        `${queue.name} (ready ${counts.ready}, in flight ${counts.inFlight}, consumers ${counts.consumers})`,
      );
    }
    if (this.timers.hasDue()) busy.push('delayed messages due');
    return busy.length > 0 ? busy.join(', ') : 'dispatch pending';
  }

  private missing(what: string, howToCreate: string): ConfigurationError {
    return new ConfigurationError(
      `The ${what} does not exist on memory broker '${this.name}', and provisioning is 'never'. ` +
        `Create it first (${howToCreate}) or use provision: 'auto'.`,
      { transport: 'memory' },
    );
  }
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw new ConfigurationError(`A ${kind} name must be a non-empty string; got ${String(name)}.`);
  return name;
}

function listOf(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0 ? 'none' : list.map((name) => `'${name}'`).join(', ');
}

function isClock(value: unknown): value is Clock {
  const clock = value as Partial<Clock> | null;
  return (
    typeof clock === 'object' &&
    clock !== null &&
    typeof clock.now === 'function' &&
    typeof clock.setTimer === 'function' &&
    typeof clock.clearTimer === 'function'
  );
}
