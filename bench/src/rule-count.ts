import { compilePattern, compilePatternSet, type EventPattern } from '@omnibus/core';
import { type BenchRow, median } from './report.js';
import { writeLineChart } from './svg-chart.js';

const RULE_COUNTS = [10, 100, 1_000, 10_000] as const;

/**
 * Matches per second of one event against every rule of a bus, for 10 to 10,000 rules: the
 * combined matcher (`compilePatternSet`, what the memory transport routes with) against checking
 * each compiled pattern in turn (how rules were matched before). Rules look like real ones: one of
 * 20 sources, their own type, and operators on the data (numeric, prefix, anything-but). Each
 * event matches a few rules. Rounds alternate between rule counts and methods; medians are kept.
 * Writes `bench/results/rule-count.svg`.
 */
export function benchRuleCount(rounds = 3, secondsPerRun = 0.3): BenchRow[] {
  const sides = RULE_COUNTS.map((count) => {
    const patterns = Array.from({ length: count }, (_, index) => rulePattern(index));
    const combined = compilePatternSet(patterns.map((pattern, index) => [pattern, index] as const));
    const each = patterns.map((pattern) => compilePattern(pattern));
    const events = Array.from({ length: 64 }, (_, index) => eventFor((index * 7919) % count));
    // Both methods must agree before either is timed.
    for (const event of events) {
      const expected = each.flatMap((matches, index) => (matches(event) ? [index] : []));
      if (JSON.stringify(combined.matching(event)) !== JSON.stringify(expected) || expected.length === 0)
        throw new Error(`The combined matcher disagrees with the single patterns at ${count} rules.`);
    }
    return {
      count,
      combined: () => timeIt(secondsPerRun, events, (event) => combined.matching(event).length),
      loop: () =>
        timeIt(secondsPerRun, events, (event) => {
          let found = 0;
          for (let index = 0; index < each.length; index++) if (each[index]!(event)) found++;
          return found;
        }),
    };
  });
  const rates = new Map<string, number[]>();
  const record = (key: string, rate: number) => rates.set(key, [...(rates.get(key) ?? []), rate]);
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) {
      record(`combined ${side.count}`, side.combined());
      record(`loop ${side.count}`, side.loop());
    }
  }
  const rate = (key: string) => median(rates.get(key)!);
  const rows: BenchRow[] = [];
  const baseline = rate('combined 10');
  for (const { count } of sides) {
    rows.push({
      name: `rules: ${count.toLocaleString('en-US')}, combined matcher`,
      opsPerSec: rate(`combined ${count}`),
      ratio: rate(`combined ${count}`) / baseline,
      target: count === 10 ? 'baseline' : '>= 0.33 of 10 rules',
      note: `ratio is matches/s relative to 10 rules; one by one: ${Math.round(rate(`loop ${count}`)).toLocaleString('en-US')} matches/s`,
    });
  }
  writeLineChart('rule-count', {
    title: 'Matching one event against N rules',
    xLabel: 'rules on the bus',
    yLabel: 'events matched per second',
    series: [
      { name: 'combined matcher', points: sides.map(({ count }) => [count, rate(`combined ${count}`)]) },
      { name: 'each rule in turn', points: sides.map(({ count }) => [count, rate(`loop ${count}`)]) },
    ],
  });
  return rows;
}

const OPERATORS = [
  (index: number) => ({ amount: [{ numeric: ['>=', index % 100] }] }),
  (index: number) => ({ sku: [{ prefix: `sku-${index % 10}` }] }),
  (index: number) => ({ region: [{ 'anything-but': ['internal', `region-${index % 5}`] }] }),
  () => ({ channel: ['web', 'mobile'] }),
];

function rulePattern(index: number): EventPattern {
  return {
    source: [`service-${index % 20}`],
    type: [`Type${index}`],
    data: OPERATORS[index % OPERATORS.length]!(index),
  } as EventPattern;
}

/** An envelope view that matches rule `index` (and the rules sharing its type, if any). */
function eventFor(index: number) {
  return {
    id: `event-${index}`,
    type: `Type${index}`,
    source: `service-${index % 20}`,
    subject: 'order-1',
    time: '2026-01-01T00:00:00.000Z',
    headers: {},
    data: { amount: 1_000, sku: `sku-${index % 10}-a`, region: 'eu', channel: 'web' },
  };
}

function timeIt(seconds: number, events: readonly object[], match: (event: object) => number): number {
  let calls = 0;
  let found = 0;
  const started = performance.now();
  const until = started + seconds * 1_000;
  while (performance.now() < until) {
    for (let index = 0; index < events.length; index++) found += match(events[index]!);
    calls += events.length;
  }
  if (found < calls) throw new Error('An event matched no rule.');
  return calls / ((performance.now() - started) / 1_000);
}
