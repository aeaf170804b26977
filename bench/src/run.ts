import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMemory } from './memory.js';
import { benchPatternMatcher } from './pattern.js';
import { benchRuleCount } from './rule-count.js';
import { type BenchRow, report } from './report.js';

// npm run bench [-- memory rabbitmq aws gcp-pubsub ...]: each suite prints a table and writes
// bench/results/<suite>.json. Broker suites compare Omnibus with the raw client in the same run.
const requested = process.argv.slice(2);
const defaults = ['memory', 'rules'];
const wants = (suite: string) =>
  requested.length === 0 ? defaults.includes(suite) : requested.includes(suite);
const here = dirname(fileURLToPath(import.meta.url));

if (wants('memory')) {
  const rows: BenchRow[] = [...benchPatternMatcher(), ...(await benchMemory())];
  // The footprint is measured in a plain Node process running a pre-bundled script, so the figure
  // is this workload's and Node's, not the TypeScript loader's (which alone adds ~40 MB).
  const bundle = join(tmpdir(), `omnibus-footprint-${process.pid}.mjs`);
  await build({
    entryPoints: [join(here, 'memory-footprint.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@omnibus/source'],
    outfile: bundle,
    logLevel: 'error',
  });
  const output = execFileSync(process.execPath, ['--expose-gc', bundle], { encoding: 'utf8' });
  rmSync(bundle, { force: true });
  const { rssMb, baselineRssMb } = JSON.parse(output.trim().split('\n').pop()!) as {
    rssMb: number;
    baselineRssMb: number;
  };
  rows.push({
    name: '100,000 queued 200-byte messages',
    peakRssMb: rssMb,
    target: '<= 150 MB RSS',
    note: `RSS ${rssMb.toFixed(1)} MB with the messages queued; ${baselineRssMb.toFixed(1)} MB for the same process before sending`,
  });
  report('memory', rows);
}

if (wants('rules')) report('rules', benchRuleCount());

// Broker suites live beside this file, one per transport, each exporting `bench(): Promise<BenchRow[]>`.
for (const suite of [
  'rabbitmq',
  'aws',
  'gcp-pubsub',
  'azure-service-bus',
  'idempotency',
  'outbox',
  'batch-consume',
]) {
  if (!requested.includes(suite)) continue;
  const module = (await import(`./${suite}.js`)) as { bench: () => Promise<BenchRow[]> };
  report(suite, await module.bench());
}
