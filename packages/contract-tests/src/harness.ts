import { randomBytes, randomUUID } from 'node:crypto';
import type { Handler, HandlerContext, Logger, Message } from '@omnibus/core';

/**
 * Small tools the scenarios share: unique names, polling, and collectors that record what arrived
 * and how often. Exported so a transport can write its own extra scenarios in the same style.
 */

/**
 * A name no other test (in this run or a parallel one against the same broker) uses:
 * `ct-<label>-<8 hex>`. Short enough for the strictest broker limits (Service Bus subscription
 * names are at most 50 characters), and made of characters every broker accepts.
 */
export function uniqueName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 24);
  return `ct-${safe}-${randomBytes(4).toString('hex')}`;
}

/** A fresh message id. */
export function uniqueId(): string {
  return randomUUID();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `predicate` every 10 ms until it holds, or rejects after `timeoutMs` with an error saying
 * what was awaited (and, when `describe` is given, what the state was at the end).
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  describe?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) {
      const state = describe ? ` (at the end: ${describe()})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${state}.`);
    }
    await sleep(10);
  }
}

/** One handler invocation, as a collector saw it. */
export interface Arrival<T> {
  readonly message: Message<T>;
  /** `Date.now()` when the handler was entered. */
  readonly at: number;
  /** `ctx.origin` of the delivery. */
  readonly origin: string;
  /** Whether `ctx.signal` was already aborted when the handler was entered. */
  readonly abortedOnEntry: boolean;
}

/**
 * Records every handler invocation, in arrival order. Pass its `handler` to a consumer. When
 * `behaviour` is given it runs after recording, so a scenario can fail, hold or forward a message
 * while the collector still counts the attempt.
 */
export interface Collector<T = unknown> {
  readonly handler: Handler<T>;
  readonly arrivals: readonly Arrival<T>[];
  /** The messages of `arrivals`, in order. */
  readonly messages: readonly Message<T>[];
  /** Handler invocations so far. */
  count(): number;
  /** How many invocations saw message `id`. */
  timesSeen(id: string): number;
  /** The ids seen, each once. */
  distinctIds(): Set<string>;
  /** The first arrival of message `id`. */
  first(id: string): Message<T> | undefined;
  /** A summary for timeout errors: `3 arrivals: OrderPlaced#1, …`. */
  describe(): string;
}

export function collect<T = unknown>(behaviour?: Handler<T>): Collector<T> {
  const arrivals: Arrival<T>[] = [];
  const messages: Message<T>[] = [];
  const handler: Handler<T> = (message: Message<T>, context: HandlerContext) => {
    arrivals.push({
      message,
      at: Date.now(),
      origin: context.origin,
      abortedOnEntry: context.signal.aborted,
    });
    messages.push(message);
    return behaviour ? behaviour(message, context) : undefined;
  };
  return {
    handler,
    arrivals,
    messages,
    count: () => arrivals.length,
    timesSeen: (id) => messages.filter((message) => message.id === id).length,
    distinctIds: () => new Set(messages.map((message) => message.id)),
    first: (id) => messages.find((message) => message.id === id),
    describe: () =>
      `${arrivals.length} arrivals${arrivals.length === 0 ? '' : ': '}${messages
        .slice(0, 20)
        .map((message) => `${message.type}#${message.attempt}`)
        .join(', ')}`,
  };
}

/** A latch a handler can wait on until the scenario opens it. */
export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

export function createGate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Counts how many calls of `run` are in progress at once, and the most there ever were. */
export interface Meter {
  run<R>(work: () => Promise<R>): Promise<R>;
  readonly current: number;
  readonly max: number;
}

export function createMeter(): Meter {
  let current = 0;
  let max = 0;
  return {
    async run(work) {
      current++;
      max = Math.max(max, current);
      try {
        return await work();
      } finally {
        current--;
      }
    },
    get current() {
      return current;
    },
    get max() {
      return max;
    },
  };
}

/** A logger that drops everything, so scenario output stays readable. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A UUIDv7 in its canonical text form. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** An RFC 3339 timestamp with a zone (`Z` or an offset). */
export const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
