import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import { type CompiledPattern, compilePattern, compilePatternSet, type EventPattern } from './index.js';

interface Vector {
  name: string;
  pattern: EventPattern;
  event: unknown;
  matches: boolean;
}

const vectorsFile = fileURLToPath(new URL('../../../../conformance/event-patterns.json', import.meta.url));
const vectors: Vector[] = JSON.parse(readFileSync(vectorsFile, 'utf8')).vectors;

/** What the set must answer: the patterns whose own compiled form matches, in order. */
function expected(compiled: readonly CompiledPattern[], event: unknown): number[] {
  return compiled.flatMap((matches, index) => (matches(event) ? [index] : []));
}

describe('compilePatternSet', () => {
  it('returns the value of every matching pattern once, in the order given', () => {
    const set = compilePatternSet<string>([
      [{ type: ['A', 'B'] }, 'first'],
      [{ $or: [{ type: ['A'] }, { source: ['s'] }] }, 'second'],
      [{ type: ['C'] }, 'third'],
      [{ data: { tags: ['x', 'y'] } }, 'fourth'],
    ]);
    expect(set.size).toBe(4);
    expect(set.matching({ type: 'A', source: 's' })).toEqual(['first', 'second']);
    expect(set.matching({ type: ['C', 'A', 'C'], data: { tags: ['y', 'x'] } })).toEqual([
      'first',
      'second',
      'third',
      'fourth',
    ]);
    expect(set.matching({ type: 'D' })).toEqual([]);
  });

  it('matches nothing for an event that is not a JSON object, and holds nothing when empty', () => {
    const set = compilePatternSet([[{ a: [{ exists: false }] }, 1]]);
    for (const event of [null, undefined, 3, 'text', [], [{ a: 1 }]]) expect(set.matching(event)).toEqual([]);
    expect(set.matching({})).toEqual([1]);
    expect(compilePatternSet([]).matching({ a: 1 })).toEqual([]);
  });

  it('rejects an invalid pattern as compilePattern does', () => {
    expect(() => compilePatternSet([[{ a: [] }, 1]])).toThrow(InvalidPatternError);
  });

  it('finds an exact-value field however the event spells the path', () => {
    const fillers = Array.from(
      { length: 50 },
      (_, index) => [{ a: { b: { c: [`v${index}`] } } }, index] as const,
    );
    const set = compilePatternSet<number | string>([...fillers, [{ 'a.b': { c: ['hit'] } }, 'hit']]);
    for (const event of [
      { a: { b: { c: 'hit' } } },
      { 'a.b': { c: 'hit' } },
      { 'a.b.c': 'hit' },
      { a: { 'b.c': 'hit' } },
      { a: [{ b: [[{ c: ['other', ['hit']] }]] }] },
    ])
      expect(set.matching(event)).toEqual(['hit']);
    expect(set.matching({ a: { b: { c: 'v7' } } })).toEqual([7]);
  });

  it('passes every conformance vector inside a set of many other patterns', () => {
    const patterns: EventPattern[] = [...vectors.map((vector) => vector.pattern), ...fillersFrom(vectors)];
    expect(patterns.length).toBeGreaterThan(1000);
    const set = compilePatternSet(patterns.map((pattern, index) => [pattern, index] as const));
    const compiled = patterns.map((pattern) => compilePattern(pattern));
    vectors.forEach((vector, index) => {
      const found = set.matching(vector.event);
      expect(found.includes(index), vector.name).toBe(vector.matches);
      expect(found, vector.name).toEqual(expected(compiled, vector.event));
    });
  });

  it('agrees with compilePattern on random patterns and events', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = createRandom(seed);
      const patterns = Array.from({ length: 60 }, () => randomPattern(random));
      const set = compilePatternSet(patterns.map((pattern, index) => [pattern, index] as const));
      const compiled = patterns.map((pattern) => compilePattern(pattern));
      for (let round = 0; round < 150; round++) {
        const event = randomEvent(random);
        expect(set.matching(event), `seed ${seed}, event ${JSON.stringify(event)}`).toEqual(
          expected(compiled, event),
        );
      }
    }
  });
});

/**
 * Patterns built from the vectors' own events, so the index files them under the same fields and
 * values the vectors use: each leaf of each event as an exact value, alone, with a second value,
 * and next to a value for `source`.
 */
function fillersFrom(list: readonly Vector[]): EventPattern[] {
  const fillers: EventPattern[] = [];
  for (const vector of list) {
    for (const [path, value] of leaves(vector.event, [])) {
      const name = path.join('.');
      fillers.push({ [name]: [value] });
      fillers.push({ [name]: [value, 'another value'] });
      fillers.push({ [name]: [value], source: ['aws.ec2', 'elsewhere'] });
      fillers.push({ [name]: ['not this one'] });
    }
  }
  return fillers;
}

type Leaf = string | number | boolean | null;

function leaves(value: unknown, path: string[]): [string[], Leaf][] {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
    return path.length === 0 ? [] : [[path, value as Leaf]];
  if (typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    key.includes('.') || key === '' ? [] : leaves(inner, [...path, key]),
  );
}

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (probability: number) => next() < probability,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    count: (low: number, high: number) => low + Math.floor(next() * (high - low + 1)),
  };
}
type Random = ReturnType<typeof createRandom>;

const PATHS = [
  ['source'],
  ['type'],
  ['data', 'kind'],
  ['data', 'n'],
  ['data', 'items', 'sku'],
  ['data', 'items', 'qty'],
  ['headers', 'h'],
];
const VALUES: Leaf[] = ['x', 'y', 'z', 'X', 'xy', 1, 2, 0, 2.5, true, false, null, '10.0.0.1'];

function randomOperand(random: Random): unknown {
  switch (random.count(0, 9)) {
    case 0:
      return { prefix: random.pick(['x', 'y']) };
    case 1:
      return { suffix: random.pick(['y', 'z']) };
    case 2:
      return {
        numeric: random.pick([
          ['>', 1],
          ['<=', 1],
          ['=', 2],
        ]),
      };
    case 3:
      return { exists: random.chance(0.5) };
    case 4:
      return { 'anything-but': random.pick(['x', ['y', 'z'], 1]) };
    case 5:
      return { 'equals-ignore-case': 'x' };
    default:
      return random.pick(VALUES);
  }
}

function randomList(random: Random): unknown[] {
  // Mostly exact values, as real rules are, so the index has something to file them under.
  if (random.chance(0.7)) return Array.from({ length: random.count(1, 3) }, () => random.pick(VALUES));
  return Array.from({ length: random.count(1, 2) }, () => randomOperand(random));
}

function randomFields(random: Random): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let field = random.count(1, 3); field > 0; field--) {
    const path = random.pick(PATHS);
    if (random.chance(0.3)) fields[path.join('.')] = randomList(random);
    else place(fields, path, randomList(random));
  }
  return fields;
}

function randomPattern(random: Random): EventPattern {
  const pattern = randomFields(random);
  if (random.chance(0.2)) pattern.$or = [randomFields(random), randomFields(random)];
  return pattern as EventPattern;
}

function randomLeafValue(random: Random): unknown {
  if (random.chance(0.6)) return random.pick(VALUES);
  if (random.chance(0.7)) return Array.from({ length: random.count(0, 3) }, () => randomLeafValue(random));
  return { nested: random.pick(VALUES) };
}

function randomAt(random: Random, segments: readonly string[]): unknown {
  if (segments.length === 0) return randomLeafValue(random);
  const object = () => ({ [segments[0]!]: randomAt(random, segments.slice(1)) });
  if (random.chance(0.3)) return Array.from({ length: random.count(1, 3) }, object);
  if (random.chance(0.1)) return random.pick(VALUES);
  return object();
}

function randomEvent(random: Random): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const path of PATHS) {
    if (!random.chance(0.6)) continue;
    if (random.chance(0.15)) {
      // The dotted spelling of (part of) the path, which patterns also match.
      const split = random.count(1, path.length);
      event[path.slice(0, split).join('.')] = randomAt(random, path.slice(split));
    } else {
      const value = randomAt(random, path.slice(1));
      const existing = event[path[0]!];
      if (isObject(existing) && isObject(value)) Object.assign(existing, value);
      else event[path[0]!] = value;
    }
  }
  return event;
}

function place(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const inner = node[segment];
    if (isObject(inner)) node = inner;
    else {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    }
  }
  node[path[path.length - 1]!] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
