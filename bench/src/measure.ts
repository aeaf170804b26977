import { createBus, type Transport } from '@omnibus/core';
import { type BenchRow, comparisonRows, median, percentile } from './report.js';
import { uniqueName } from './workload.js';

// The measurement machinery every suite shares, so that Omnibus and the raw client are timed by the
// same code: alternating runs, counting handled messages, batched sending, paced latency, peak RSS.

/**
 * How many messages (or operations) one measured run handles: `BENCH_N` when set, so a quick check
 * can run every suite with a small N, else the suite's own default.
 */
export function benchSize(fallback: number): number {
  const value = Number(process.env.BENCH_N);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * Runs each side once per round, in the order given, for `runs` rounds, and returns every side's
 * results in run order. Alternating (rather than all runs of one side, then the other) makes load
 * on the machine, a warming JIT or a filling broker hit both sides alike.
 */
export async function alternate<Side extends string, Result>(
  runs: number,
  sides: Record<Side, () => Promise<Result>>,
): Promise<Record<Side, Result[]>> {
  const entries = Object.entries(sides) as [Side, () => Promise<Result>][];
  const results = {} as Record<Side, Result[]>;
  for (const [side] of entries) results[side] = [];
  for (let run = 0; run < runs; run++) {
    for (const [side, measure] of entries) results[side].push(await measure());
  }
  return results;
}

/** Counts the messages a handler has handled and lets the bench wait for a count. */
export interface HandledCounter {
  /** Counts one handled message: call it from the handler. */
  readonly handled: () => void;
  /** How many messages have been handled so far. */
  readonly count: number;
  /** Resolves once `count` messages in all have been handled; at once if they already have. One waiter at a time. */
  until(count: number): Promise<void>;
}

export function countHandled(): HandledCounter {
  let count = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  return {
    handled: () => {
      count++;
      if (waiter && count >= waiter.target) {
        const { resolve } = waiter;
        waiter = undefined;
        resolve();
      }
    },
    get count() {
      return count;
    },
    until(target) {
      if (count >= target) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { target, resolve };
      });
    },
  };
}

/**
 * Sends `total` messages as `send(size)` calls of `batch` messages (the last one smaller if need
 * be), keeping at most `inFlight` calls outstanding, like a producer applying backpressure.
 */
export async function sendInBatches(
  total: number,
  options: { batch: number; inFlight: number },
  send: (size: number) => Promise<unknown>,
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; sent += options.batch) {
    pending.push(send(Math.min(options.batch, total - sent)));
    if (pending.length >= options.inFlight) await pending.shift();
  }
  await Promise.all(pending);
}

/** Messages per second from the start of `send` until `counter` has counted `total` handled messages. */
export async function measureThroughput(
  total: number,
  counter: HandledCounter,
  send: () => Promise<void>,
): Promise<number> {
  const started = performance.now();
  await send();
  await counter.until(total);
  return total / ((performance.now() - started) / 1000);
}

/**
 * Paced latency: `samples` times, sends one message with `sendOne` and waits until `counter` counts
 * it handled. Returns each send-to-handler time in ms.
 */
export async function samplePacedLatency(
  samples: number,
  counter: HandledCounter,
  sendOne: () => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const received = counter.until(counter.count + 1);
    await sendOne();
    await received;
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/**
 * Samples this process's RSS every `everyMs` until `stop()`, which returns the peak in MB (sampled
 * at start and at stop too). `stop()` may be called again; the sampling has stopped by then.
 */
export function trackPeakRss(everyMs: number): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak / 1_048_576;
    },
  };
}

/** A fresh queue on one side of a comparison, its consumer already running. */
export interface BenchQueue {
  /** Sends `count` messages (1 up to the batch size) in one call, resolving once the broker has them. */
  send(count: number): Promise<unknown>;
  /** Stops consuming and closes the clients it opened. */
  close(): Promise<void>;
}

/** Opens a fresh queue named from `label` whose handler calls `handled` once per message. */
export type OpenQueue = (label: string, handled: () => void) => Promise<BenchQueue>;

/**
 * The Omnibus side of a comparison: a bus on a new `transport()`, a consumer on the queue with
 * `concurrency`, and a producer sending `data` as `OrderPlaced` (up to `batch` per call).
 */
export function openOmnibusQueue(options: {
  transport: () => Transport;
  concurrency: number;
  batch: number;
  data: unknown;
}): OpenQueue {
  const messages = Array.from({ length: options.batch }, () => ({ type: 'OrderPlaced', data: options.data }));
  return async (label, handled) => {
    const bus = await createBus({ transport: options.transport(), source: 'bench' });
    const queue = uniqueName(label);
    await bus.consumer(queue, handled, { concurrency: options.concurrency }).start();
    const producer = bus.producer(queue);
    return {
      send: (count) => producer.send(messages.slice(0, count)),
      close: () => bus.close(),
    };
  };
}

/** How much a {@link compareClients} run measures; each has a default. */
export interface ComparisonSizes {
  /** Messages per throughput run. @default BENCH_N, else 5,000 */
  total?: number;
  /** Throughput runs of each side, alternating. @default 3 */
  runs?: number;
  /** One-at-a-time send-to-handler samples of each side. @default 200, or `total` if smaller */
  latencySamples?: number;
}

export interface ClientComparison extends ComparisonSizes {
  /** Messages per `send` call in the throughput runs, one call at a time. */
  batch: number;
  raw: { name: string; open: OpenQueue };
  omnibus: { name: string; open: OpenQueue };
  /** What the Omnibus row is held to, e.g. `>= 0.8x raw client`. */
  target: string;
  /** What else the figures measure (the emulator, the machine). */
  note: string;
}

/**
 * Omnibus versus the raw client on the same broker in the same run: `runs` alternating throughput
 * runs of `total` messages each (sent in batches of `batch`, a fresh queue per run; the median is
 * reported), then paced latency on a fresh queue per side (p50, p99); the peak RSS of the process
 * is sampled throughout and reported on both rows. Returns the raw row, then the Omnibus row with
 * the ratio, target and note.
 */
export async function compareClients(options: ClientComparison): Promise<BenchRow[]> {
  const total = options.total ?? benchSize(5_000);
  const latencySamples = options.latencySamples ?? Math.min(200, total);
  const memory = trackPeakRss(50);
  try {
    const throughput = (open: OpenQueue, label: string) => async () => {
      const counter = countHandled();
      const queue = await open(label, counter.handled);
      const rate = await measureThroughput(total, counter, () =>
        sendInBatches(total, { batch: options.batch, inFlight: 1 }, (size) => queue.send(size)),
      );
      await queue.close();
      return rate;
    };
    const latency = async (open: OpenQueue, label: string) => {
      const counter = countHandled();
      const queue = await open(label, counter.handled);
      const latencies = await samplePacedLatency(latencySamples, counter, () => queue.send(1));
      await queue.close();
      return latencies;
    };
    const rates = await alternate(options.runs ?? 3, {
      raw: throughput(options.raw.open, 'raw'),
      omnibus: throughput(options.omnibus.open, 'omnibus'),
    });
    const latencies = {
      raw: await latency(options.raw.open, 'raw-lat'),
      omnibus: await latency(options.omnibus.open, 'omnibus-lat'),
    };
    const peakRssMb = memory.stop();
    const row = (side: 'raw' | 'omnibus'): BenchRow => ({
      name: options[side].name,
      msgsPerSec: median(rates[side]),
      p50Ms: percentile(latencies[side], 50),
      p99Ms: percentile(latencies[side], 99),
      peakRssMb,
    });
    return comparisonRows({
      raw: row('raw'),
      omnibus: row('omnibus'),
      target: options.target,
      note: options.note,
    });
  } finally {
    memory.stop();
  }
}
