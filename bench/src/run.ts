import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMemory } from './memory.js';
import { benchPatternMatcher } from './pattern.js';
import { type BenchRow, report } from './report.js';

// npm run bench [-- memory rabbitmq aws gcp-pubsub ...]: each suite prints a table and writes
// bench/results/<suite>.json. Broker suites compare Omnibus with the raw client in the same run.
const requested = process.argv.slice(2);
const wants = (suite: string) => (requested.length === 0 ? suite === 'memory' : requested.includes(suite));
const here = dirname(fileURLToPath(import.meta.url));

if (wants('memory')) {
  const rows: BenchRow[] = [...benchPatternMatcher(), ...(await benchMemory())];
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--conditions=source', join(here, 'memory-footprint.ts')],
    {
      encoding: 'utf8',
    },
  );
  const { rssMb } = JSON.parse(output.trim().split('\n').pop()!) as { rssMb: number };
  rows.push({ name: '100,000 queued 200-byte messages', peakRssMb: rssMb, target: '<= 150 MB RSS' });
  report('memory', rows);
}

// Broker suites live beside this file, one per transport, each exporting `bench(): Promise<BenchRow[]>`.
for (const suite of ['rabbitmq', 'aws', 'gcp-pubsub', 'azure-service-bus', 'idempotency']) {
  if (!requested.includes(suite)) continue;
  const module = (await import(`./${suite}.js`)) as { bench: () => Promise<BenchRow[]> };
  report(suite, await module.bench());
}
