import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import { compilePattern, type EventPattern, matches, validatePattern } from './index.js';

/**
 * The shared EventBridge conformance vectors (`conformance/event-patterns.json` at the
 * repository root). Every vector must give the expected result and every invalid pattern must be
 * rejected. The `uncertain` entries are cases AWS has not settled publicly; they are reported, not
 * asserted, with what this implementation does.
 */

interface Vector {
  name: string;
  pattern: EventPattern;
  event: unknown;
  matches: boolean;
}
interface InvalidPattern {
  name: string;
  pattern: unknown;
}
interface UncertainCase {
  name: string;
  note: string;
}
interface Vectors {
  vectors: Vector[];
  invalid: InvalidPattern[];
  uncertain: UncertainCase[];
}

// This file is packages/core/src/pattern/…; the vectors live in the repository's conformance folder.
const vectorsFile = fileURLToPath(new URL('../../../../conformance/event-patterns.json', import.meta.url));
const data: Vectors = JSON.parse(readFileSync(vectorsFile, 'utf8'));

describe('EventBridge conformance vectors', () => {
  describe('vectors', () => {
    it('has the expected file layout', () => {
      expect(data.vectors.length).toBeGreaterThan(0);
      expect(data.invalid.length).toBeGreaterThan(0);
    });

    it.each(data.vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
      expect(compilePattern(vector.pattern)(vector.event)).toBe(vector.matches);
      expect(matches(vector.pattern, vector.event)).toBe(vector.matches);
    });
  });

  describe('invalid patterns', () => {
    it.each(data.invalid.map((invalid) => [invalid.name, invalid] as const))(
      'rejects: %s',
      (_name, invalid) => {
        expect(() => validatePattern(invalid.pattern)).toThrow(InvalidPatternError);
        expect(() => compilePattern(invalid.pattern as EventPattern)).toThrow(InvalidPatternError);
      },
    );
  });

  describe('uncertain cases (reported, not asserted)', () => {
    it('reports what this implementation does for each', () => {
      const lines = data.uncertain.map((entry) => {
        const probe = uncertainProbes.find((candidate) => candidate.topic.test(entry.name));
        return `  - ${entry.name}\n      -> ${probe === undefined ? 'no probe for this entry' : probe.outcome()}`;
      });
      console.info(
        `EventBridge conformance, uncertain cases (${data.uncertain.length}):\n${lines.join('\n')}`,
      );
    });
  });
});

/** What the implementation answers; a thrown InvalidPatternError reads as "rejected (reason)". */
function outcome(pattern: unknown, event: unknown): string {
  try {
    return compilePattern(pattern as EventPattern)(event) ? 'match' : 'no match';
  } catch (error) {
    if (error instanceof InvalidPatternError) return `rejected (${error.reason})`;
    throw error;
  }
}

const employees = {
  employees: [
    [
      { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
  ],
};

const uncertainProbes: { topic: RegExp; outcome: () => string }[] = [
  {
    topic: /exact numeric match across representations/i,
    outcome: () =>
      `[300] vs 300.0: ${outcome({ n: [300] }, JSON.parse('{"n": 300.0}'))} (JSON numbers compare as numbers)`,
  },
  {
    topic: /array consistency/i,
    outcome: () =>
      `Anna+Jones from different elements: ${outcome({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)}; ` +
      `Anna + ids exists:false: ${outcome({ employees: { firstName: ['Anna'], ids: [{ exists: false }] } }, employees)}`,
  },
  {
    topic: /exists:true \/ exists:false against a JSON null/i,
    outcome: () =>
      `exists:true vs null: ${outcome({ a: [{ exists: true }] }, { a: null })}; exists:false vs null: ${outcome({ a: [{ exists: false }] }, { a: null })}`,
  },
  {
    topic: /anything-but against an event array/i,
    outcome: () =>
      `anything-but "stopped" vs ["stopped","running"]: ${outcome({ s: [{ 'anything-but': 'stopped' }] }, { s: ['stopped', 'running'] })}`,
  },
  {
    topic: /numeric range and precision/i,
    outcome: () =>
      `> 5e9 vs 6e9: ${outcome({ n: [{ numeric: ['>', 5e9] }] }, { n: 6e9 })}; = 0.1234567 vs 0.1234567: ${outcome({ n: [{ numeric: ['=', 0.1234567] }] }, { n: 0.1234567 })} (full double range and precision)`,
  },
  {
    topic: /cidr with \/32/i,
    outcome: () =>
      `/32: ${outcome({ ip: [{ cidr: '10.0.0.1/32' }] }, { ip: '10.0.0.1' })}; IPv4 block vs IPv6 value: ${outcome({ ip: [{ cidr: '0.0.0.0/1' }] }, { ip: '::1' })}`,
  },
  {
    topic: /plain string patterns that look like IP/i,
    outcome: () =>
      `["2001:db8::1"] vs "2001:0db8:0:0:0:0:0:1": ${outcome({ ip: ['2001:db8::1'] }, { ip: '2001:0db8:0:0:0:0:0:1' })}`,
  },
  {
    topic: /same field constrained both outside and inside \$or/i,
    outcome: () =>
      `{a:["x"], $or:[{a:["y"]},{b:[1]}]} vs {a:"y"}: ${outcome({ a: ['x'], $or: [{ a: ['y'] }, { b: [1] }] }, { a: 'y' })} (later keys override earlier ones, as in Event Ruler)`,
  },
  {
    topic: /duplicate keys/i,
    outcome: () =>
      'not applicable to parsed objects: JSON.parse keeps the last duplicate, which is what EventBridge uses',
  },
  {
    topic: /equals-ignore-case with length-changing/i,
    outcome: () =>
      `"ß" vs "SS": ${outcome({ k: [{ 'equals-ignore-case': 'ß' }] }, { k: 'SS' })}; "ǅ" vs "ǅ": ${outcome({ k: [{ 'equals-ignore-case': 'ǅ' }] }, { k: 'ǅ' })}; "İ" vs "i̇": ${outcome({ k: [{ 'equals-ignore-case': 'İ' }] }, { k: 'i̇' })}`,
  },
  {
    topic: /\$or edge forms/i,
    outcome: () =>
      `single-element $or: ${outcome({ $or: [{ a: [1] }] }, { a: 1 })}; $or holding "prefix": ${outcome({ $or: [{ prefix: ['a'] }, { b: [1] }] }, { b: 1 })}`,
  },
  {
    topic: /'exactly' match type/i,
    outcome: () =>
      `exactly: ${outcome({ a: [{ exactly: 'x' }] }, { a: 'x' })}; anything-but numeric: ${outcome({ a: [{ 'anything-but': { numeric: ['>', 1] } }] }, { a: 0 })}`,
  },
  {
    topic: /nesting-depth or pattern-size/i,
    outcome: () => 'no depth or size limit is imposed',
  },
  {
    topic: /invalid-pattern edge cases from Event Ruler/i,
    outcome: () =>
      `empty object value: ${outcome({ detail: {} }, {})}; two operators in one object: ${outcome({ a: [{ prefix: 'a', suffix: 'b' }] }, { a: 'ab' })}; ` +
      `mixed anything-but list: ${outcome({ a: [{ 'anything-but': ['a', 1] }] }, { a: 2 })}; exists "yes": ${outcome({ a: [{ exists: 'yes' }] }, { a: 1 })}`,
  },
];
