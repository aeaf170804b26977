import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBus, type TelemetryOptions } from '@omnibus/core';
import { createMemoryTransport } from '@omnibus/memory';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { benchSize, countHandled } from './measure.js';
import { median } from './report.js';
import { uniqueName } from './workload.js';

// Throughput with telemetry off (`telemetry: false`: the code path of an application without
// @opentelemetry/api, which is then never loaded), with the API installed but no provider
// registered, and recording every span with an always-on sampler (spans batched to an exporter
// that drops them, metrics aggregated in memory). Same workload, alternating runs, each run in its
// own process: recording turns on AsyncLocalStorage, whose promise hooks would otherwise slow every
// later run of the same process.

type Mode = 'absent' | 'no-provider' | 'recording';

const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

function telemetryFor(mode: Mode): TelemetryOptions | false | undefined {
  if (mode === 'absent') return false;
  if (mode === 'no-provider') return undefined;
  return {
    tracerProvider: new BasicTracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(dropSpans, { maxQueueSize: 100_000 })],
    }),
    meterProvider: new MeterProvider(),
  };
}

async function run(transportName: 'memory' | 'rabbitmq', mode: Mode, count: number): Promise<number> {
  const transport =
    transportName === 'memory'
      ? createMemoryTransport()
      : createRabbitMqTransport({ url: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672' });
  const telemetry = telemetryFor(mode);
  const bus = await createBus({
    transport,
    source: 'bench',
    ...(telemetry === undefined ? {} : { telemetry }),
  });
  const queue = uniqueName('tel');
  const counter = countHandled();
  await bus.consumer(queue, counter.handled, { concurrency: 64 }).start();
  const producer = bus.producer(queue);
  const started = performance.now();
  const window = 64;
  let inFlight: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    inFlight.push(producer.send({ type: 'BenchMessage', data: { index } }));
    if (inFlight.length >= window) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  await counter.until(count);
  const rate = count / ((performance.now() - started) / 1000);
  await bus.close();
  return rate;
}

/** Runs one measurement in a child process, so no mode inherits another's process-wide state. */
function runIsolated(transportName: 'memory' | 'rabbitmq', mode: Mode, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url)],
      { env: { ...process.env, BENCH_TELEMETRY_CHILD: `${transportName}:${mode}:${count}` } },
      (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim().split('\n').pop()))),
    );
  });
}

async function main(): Promise<void> {
  const child = process.env.BENCH_TELEMETRY_CHILD;
  if (child) {
    const [transportName, mode, count] = child.split(':') as ['memory' | 'rabbitmq', Mode, string];
    await run(transportName, mode, Math.min(Number(count), 2_000)); // warm-up
    console.log(String(await run(transportName, mode, Number(count))));
    return;
  }
  const transports = (process.env.BENCH_TELEMETRY_TRANSPORTS ?? 'memory,rabbitmq').split(',') as (
    | 'memory'
    | 'rabbitmq'
  )[];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  for (const transportName of transports) {
    const count = benchSize(transportName === 'memory' ? 20_000 : 5_000);
    const results: Record<Mode, number[]> = { absent: [], 'no-provider': [], recording: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of Object.keys(results) as Mode[])
        results[mode].push(await runIsolated(transportName, mode, count));
    }
    const base = median(results.absent);
    for (const mode of Object.keys(results) as Mode[]) {
      const rate = median(results[mode]);
      const cost = ((base - rate) / base) * 100;
      const target = mode === 'recording' ? 20 : 3;
      console.log(
        `${transportName.padEnd(9)} ${mode.padEnd(12)} ${rate.toFixed(0).padStart(8)} msg/s  cost ${cost.toFixed(1).padStart(5)}%  (target <= ${mode === 'absent' ? '-' : `${target}%`})`,
      );
    }
  }
}

await main();
