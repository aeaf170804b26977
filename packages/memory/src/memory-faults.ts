import { ConfigurationError, ConnectionError } from '@omnibus/core';
import type { MemoryQueue } from './memory-queue.js';

/** A queue name, or a topic's subscription. */
export type MemorySource = string | { readonly topic: string; readonly subscription: string };

export interface DuplicateDeliveriesOptions {
  /** Only this queue or subscription. @default every queue and subscription of the broker */
  source?: MemorySource;
  /**
   * How many copies of each affected message are stored (each delivered separately).
   * @default 2
   */
  times?: number;
  /**
   * The share of messages affected, between 0 and 1, drawn from a seeded generator.
   * @default 1
   */
  rate?: number;
  /** Seed of the generator behind `rate`, so a failing run can be repeated. @default 1 */
  seed?: number;
}

/**
 * Fault injection, for proving that handlers are idempotent and that nothing is lost. Faults apply
 * to every transport on the broker. `clear()` removes them all.
 */
export interface MemoryFaults {
  /**
   * From now on, messages sent, published or routed to the source are stored `times` times, as an
   * at-least-once broker may do. Returns a function that removes this fault.
   */
  duplicateDeliveries(options?: DuplicateDeliveriesOptions): () => void;
  /**
   * The next `count` acks on the source are lost: each of those messages comes back once more,
   * with attempt + 1, as if the broker never heard the ack.
   */
  redeliverNext(source: MemorySource, count?: number): void;
  /**
   * Detaches every consumer of the source at once, as if its process died. Unsettled deliveries
   * stay in flight until the visibility timeout, then come back with attempt + 1; settling them
   * afterwards has no effect. Returns how many consumers were dropped.
   */
  crashConsumers(source: MemorySource): number;
  /** The next `count` send, publish or emit calls fail with a retryable `ConnectionError`; nothing is stored. */
  failNextSends(count?: number): void;
  /** Removes every fault. */
  clear(): void;
}

/** What the broker asks its faults on the hot path. */
export interface FaultHooks {
  /** Whether any duplicate fault is active (checked before `copies`). */
  readonly duplicating: boolean;
  /** How many copies of one message to store in `queue`. */
  copies(queue: MemoryQueue): number;
  /** Throws the injected send failure, if one is due. */
  checkSend(): void;
}

interface DuplicateRule {
  readonly name: string | undefined;
  readonly times: number;
  readonly rate: number;
  readonly random: () => number;
}

/** Creates the fault injector of a broker; `find` resolves a source to its queue or throws. */
export function createMemoryFaults(
  brokerName: string,
  find: (source: MemorySource) => MemoryQueue,
): MemoryFaults & FaultHooks {
  let duplicates: DuplicateRule[] = [];
  let sendFailures = 0;
  const redelivering = new Set<MemoryQueue>();

  return {
    get duplicating() {
      return duplicates.length > 0;
    },
    copies(queue) {
      let copies = 1;
      for (const rule of duplicates) {
        if (rule.name !== undefined && rule.name !== queue.name) continue;
        if (rule.rate < 1 && rule.random() >= rule.rate) continue;
        if (rule.times > copies) copies = rule.times;
      }
      return copies;
    },
    checkSend() {
      if (sendFailures === 0) return;
      sendFailures--;
      throw new ConnectionError(`Injected fault: memory broker '${brokerName}' refused the send.`, {
        transport: 'memory',
      });
    },
    duplicateDeliveries(options = {}) {
      const times = options.times ?? 2;
      const rate = options.rate ?? 1;
      const seed = options.seed ?? 1;
      const problems: string[] = [];
      if (!Number.isInteger(times) || times < 1)
        problems.push(`times must be an integer >= 1; got ${String(times)}`);
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
        problems.push(`rate must be between 0 and 1; got ${String(rate)}`);
      if (!Number.isInteger(seed)) problems.push(`seed must be an integer; got ${String(seed)}`);
      if (problems.length > 0)
        throw new ConfigurationError(`faults.duplicateDeliveries: ${problems.join('; ')}.`);
      const rule: DuplicateRule = {
        name: options.source === undefined ? undefined : sourceName(options.source),
        times,
        rate,
        random: seededRandom(seed),
      };
      duplicates = [...duplicates, rule];
      return () => {
        duplicates = duplicates.filter((candidate) => candidate !== rule);
      };
    },
    redeliverNext(source, count = 1) {
      checkCount('redeliverNext', count);
      const queue = find(source);
      queue.forcedRedeliveries += count;
      redelivering.add(queue);
    },
    crashConsumers(source) {
      const queue = find(source);
      const consumers = [...queue.consumers];
      for (const consumer of consumers) consumer.crash();
      return consumers.length;
    },
    failNextSends(count = 1) {
      checkCount('failNextSends', count);
      sendFailures += count;
    },
    clear() {
      duplicates = [];
      sendFailures = 0;
      for (const queue of redelivering) queue.forcedRedeliveries = 0;
      redelivering.clear();
    },
  };
}

/** The queue name a source is stored under: `queue` or `topic/subscription`. */
export function sourceName(source: MemorySource): string {
  return typeof source === 'string' ? source : `${source.topic}/${source.subscription}`;
}

function checkCount(method: string, count: number): void {
  if (!Number.isInteger(count) || count < 1)
    throw new ConfigurationError(`faults.${method}: count must be an integer >= 1; got ${String(count)}.`);
}

/** mulberry32: small, fast and good enough to pick which messages a fault hits, repeatably. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
