import { describe, expect, it } from 'vitest';
import { compileRuleBindings } from './compile-rule-bindings.js';

describe('compileRuleBindings', () => {
  it('binds each exact type x source combination', () => {
    expect(compileRuleBindings({ type: ['A', 'B'], source: ['s'] })).toEqual([
      { 'x-match': 'all', 'ce-type': 'A', 'ce-source': 's' },
      { 'x-match': 'all', 'ce-type': 'B', 'ce-source': 's' },
    ]);
  });

  it('leaves a field unconstrained when any alternative is not an exact string', () => {
    expect(compileRuleBindings({ type: ['A', { prefix: 'Order' }], source: ['s'] })).toEqual([
      { 'x-match': 'all', 'ce-source': 's' },
    ]);
  });

  it('matches everything when neither type nor source is exact', () => {
    expect(compileRuleBindings({ data: { amount: [{ numeric: ['>', 1] }] } })).toEqual([
      { 'x-match': 'all' },
    ]);
  });

  it('falls back to type alone past 64 combinations', () => {
    const types = Array.from({ length: 10 }, (_, index) => `T${index}`);
    const sources = Array.from({ length: 10 }, (_, index) => `S${index}`);
    const bindings = compileRuleBindings({ type: types, source: sources });
    expect(bindings).toHaveLength(10);
    expect(bindings.every((binding) => !('ce-source' in binding))).toBe(true);
  });
});
