import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import { UNTRUSTED_INPUT_LIMITS } from '../limits/untrusted-input-limits.js';
import { compilePattern } from './compile-pattern.js';
import { compilePatternSet } from './compile-pattern-set.js';
import { validatePattern } from './validate-pattern.js';

function nested(depth: number): unknown {
  let pattern: unknown = ['x'];
  for (let level = 1; level < depth; level++) pattern = { a: pattern };
  return pattern;
}

function failure(run: () => unknown): InvalidPatternError {
  try {
    run();
  } catch (error) {
    if (InvalidPatternError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InvalidPatternError');
}

describe('pattern limits', () => {
  const { patternMaxDepth, patternMaxNodes } = UNTRUSTED_INPUT_LIMITS;

  it('refuses a 20,000-level pattern with InvalidPatternError in every entry point', () => {
    const deep = nested(20_000);
    for (const run of [
      () => validatePattern(deep),
      () => compilePattern(deep as never),
      () => compilePatternSet([[deep as never, 'deep']]),
    ]) {
      const error = failure(run);
      expect(error.reason).toMatch(`deeper than ${patternMaxDepth} levels`);
      expect(error.path.split('.').length).toBe(patternMaxDepth);
    }
  });

  it('accepts a pattern exactly at the depth limit and refuses one level more', () => {
    expect(() => validatePattern(nested(patternMaxDepth))).not.toThrow();
    expect(failure(() => validatePattern(nested(patternMaxDepth + 1))).reason).toMatch('deeper than');
  });

  it('refuses a pattern with more values than the limit', () => {
    const values = Array.from({ length: patternMaxNodes }, (_, index) => index);
    expect(failure(() => validatePattern({ amount: values })).reason).toMatch(`more than ${patternMaxNodes}`);
    expect(() => validatePattern({ amount: values.slice(0, patternMaxNodes - 2) })).not.toThrow();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the prototype key %s at any depth', (key) => {
    const top = JSON.parse(`{"${key}": ["x"]}`);
    expect(failure(() => validatePattern(top)).path).toBe(key);
    const inside = JSON.parse(`{"detail": {"$or": [{"a": [1]}, {"${key}": {"polluted": [true]}}]}}`);
    expect(failure(() => validatePattern(inside)).path).toBe(`detail.$or[1].${key}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
