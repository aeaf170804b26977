import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured figure. `ratio` compares Omnibus with the raw client measured in the same run. */
export interface BenchRow {
  name: string;
  msgsPerSec?: number;
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  peakRssMb?: number;
  ratio?: number;
  target?: string;
  note?: string;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value at percentile `p` (0..100) of a list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The two rows of one comparison: the Omnibus row carries the ratio (its msgs/s, or ops/s, over the
 * raw client's), the target it is held to and a note saying what else the figures measure.
 */
export function comparisonRows(comparison: {
  raw: BenchRow;
  omnibus: BenchRow;
  target: string;
  note: string;
  /** @default 'raw-first' */
  order?: 'raw-first' | 'omnibus-first';
}): BenchRow[] {
  const { raw, target, note } = comparison;
  const rate = (row: BenchRow) => row.msgsPerSec ?? row.opsPerSec ?? Number.NaN;
  const omnibus: BenchRow = {
    ...comparison.omnibus,
    ratio: rate(comparison.omnibus) / rate(raw),
    target,
    note,
  };
  return comparison.order === 'omnibus-first' ? [omnibus, raw] : [raw, omnibus];
}

/** Prints rows as a table and writes them to bench/results/<suite>.json. */
export function report(suite: string, rows: BenchRow[]): void {
  const format = (value: number | undefined, digits = 0) =>
    value === undefined || Number.isNaN(value)
      ? ''
      : value.toLocaleString('en-US', { maximumFractionDigits: digits });
  const table = rows.map((row) => ({
    benchmark: row.name,
    'msgs/s': format(row.msgsPerSec),
    'ops/s': format(row.opsPerSec),
    'p50 ms': format(row.p50Ms, 2),
    'p99 ms': format(row.p99Ms, 2),
    'peak RSS MB': format(row.peakRssMb, 1),
    ratio: format(row.ratio, 2),
    target: row.target ?? '',
  }));
  console.log(`\n${suite}`);
  console.table(table);
  for (const row of rows) if (row.note) console.log(`  ${row.name}: ${row.note}`);
  const directory = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, `${suite}.json`),
    `${JSON.stringify({ suite, at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
  );
}
