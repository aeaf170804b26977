import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePubSubFilter, MAX_FILTER_BYTES } from './compile-pubsub-filter.js';

/**
 * A small evaluator of the Pub/Sub filter syntax the compiler emits, modelling the strictest
 * reading of each operator (`!=` on a missing attribute is false), so a filter that passes these
 * tests lets through at least every matching event on the real service.
 */
function evaluateFilter(filter: string, attributes: Readonly<Record<string, string>>): boolean {
  const tokens = filter.match(/"(?:[^"\\]|\\.)*"|!=|[=(),:.]|[A-Za-z0-9_-]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++]!;
  const expect = (token: string) => {
    if (next() !== token) throw new Error(`expected ${token} in ${filter}`);
  };
  const unquote = (token: string) =>
    token.startsWith('"')
      ? token
          .slice(1, -1)
          .replace(/\\x([0-9a-f]{2})|\\(.)/gi, (_, hex: string | undefined, character: string) =>
            hex ? String.fromCharCode(Number.parseInt(hex, 16)) : character,
          )
      : token;
  function expression(): boolean {
    let value = conjunction();
    while (peek() === 'OR') {
      next();
      value = conjunction() || value;
    }
    return value;
  }
  function conjunction(): boolean {
    let value = unary();
    while (peek() === 'AND') {
      next();
      value = unary() && value;
    }
    return value;
  }
  function unary(): boolean {
    if (peek() === 'NOT') {
      next();
      return !unary();
    }
    if (peek() === '(') {
      next();
      const value = expression();
      expect(')');
      return value;
    }
    if (peek() === 'hasPrefix') {
      next();
      expect('(');
      expect('attributes');
      expect('.');
      const key = unquote(next());
      expect(',');
      const prefix = unquote(next());
      expect(')');
      const value = attributes[key];
      return value?.startsWith(prefix) ?? false;
    }
    expect('attributes');
    const operator = next();
    const key = unquote(next());
    if (operator === ':') return key in attributes;
    const comparison = next();
    const literal = unquote(next());
    const value = attributes[key];
    if (value === undefined) return false;
    return comparison === '=' ? value === literal : value !== literal;
  }
  const result = expression();
  if (position !== tokens.length) throw new Error(`trailing tokens in ${filter}`);
  return result;
}

interface Vector {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly event: Record<string, unknown>;
  readonly matches: boolean;
}

const conformance = JSON.parse(
  readFileSync(new URL('../../../conformance/event-patterns.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

describe('compilePubSubFilter', () => {
  it('compiles envelope fields and headers to attribute conditions', () => {
    expect(compilePubSubFilter({ source: ['payments'], type: ['PaymentFailed', 'PaymentRefused'] })).toBe(
      'attributes.ce-source = "payments" AND (attributes.ce-type = "PaymentFailed" OR attributes.ce-type = "PaymentRefused")',
    );
    expect(
      compilePubSubFilter({ headers: { 'x.tenant': [{ prefix: 'eu-' }], region: [{ exists: false }] } }),
    ).toBe('hasPrefix(attributes."x.tenant", "eu-") AND NOT attributes:region');
    expect(compilePubSubFilter({ type: [{ 'anything-but': ['A', 'B'] }] })).toBe(
      'attributes.ce-type != "A" AND attributes.ce-type != "B"',
    );
  });

  it('leaves out what attributes cannot express, widening and never narrowing', () => {
    expect(compilePubSubFilter({ data: { amount: [{ numeric: ['>=', 1000] }] } })).toBeUndefined();
    expect(compilePubSubFilter({ type: ['A'], data: { amount: [{ numeric: ['>=', 1000] }] } })).toBe(
      'attributes.ce-type = "A"',
    );
    // One inexpressible alternative makes the whole field unconstrained.
    expect(compilePubSubFilter({ type: ['A', { suffix: 'ed' }] })).toBeUndefined();
    expect(compilePubSubFilter({ $or: [{ type: ['A'] }, { data: { x: ['y'] } }] })).toBeUndefined();
    expect(compilePubSubFilter({ $or: [{ type: ['A'] }, { source: ['s'] }] })).toBe(
      'attributes.ce-type = "A" OR attributes.ce-source = "s"',
    );
  });

  it('escapes quotes, backslashes and control characters in literals', () => {
    const filter = compilePubSubFilter({ subject: ['say "hi"\\\n'] })!;
    expect(filter).toBe('attributes.ce-subject = "say \\"hi\\"\\\\\\x0a"');
    expect(evaluateFilter(filter, { 'ce-subject': 'say "hi"\\\n' })).toBe(true);
  });

  it(`gives up rather than exceed ${MAX_FILTER_BYTES} bytes`, () => {
    const many = Array.from({ length: 20 }, (_, index) => `SomeRatherLongEventType${index}`);
    expect(compilePubSubFilter({ type: many })).toBeUndefined();
  });

  // Every documented vector: each top-level string field of the event plays an attribute (other
  // fields are not attributes, so conditions on them must be left out), and the compiled filter
  // must let through every event the exact matcher accepts.
  it.each(conformance.vectors.map((vector) => [vector.name, vector] as const))(
    'is a superset of the matcher: %s',
    (_, vector) => {
      const filter = compilePubSubFilter(vector.pattern, (path) => {
        const value = path.length === 1 ? vector.event[path[0]!] : null;
        return value === undefined || typeof value === 'string' ? path[0] : undefined;
      });
      if (filter === undefined) return;
      expect(Buffer.byteLength(filter)).toBeLessThanOrEqual(MAX_FILTER_BYTES);
      const attributes: Record<string, string> = {};
      for (const [field, value] of Object.entries(vector.event))
        if (typeof value === 'string') attributes[field] = value;
      if (vector.matches) expect(evaluateFilter(filter, attributes), filter).toBe(true);
      else evaluateFilter(filter, attributes); // parses
    },
  );
});
