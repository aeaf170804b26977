import { describe, expect, it } from 'vitest';
import { compileServiceBusFilter } from './compile-service-bus-filter.js';

describe('compileServiceBusFilter', () => {
  it('compiles string equality on envelope fields and headers exactly, one filter per combination', () => {
    expect(
      compileServiceBusFilter({ source: ['payments'], type: ['A', 'B'], headers: { tenant: ['t1'] } }),
    ).toEqual({
      correlations: [
        { 'cloudEvents:source': 'payments', 'cloudEvents:type': 'A', tenant: 't1' },
        { 'cloudEvents:source': 'payments', 'cloudEvents:type': 'B', tenant: 't1' },
      ],
      exact: true,
    });
  });

  it('keeps data paths, numbers and operators for the exact check, pre-filtering on the rest', () => {
    expect(compileServiceBusFilter({ type: ['Paid'], data: { amount: [{ numeric: ['>', 5] }] } })).toEqual({
      correlations: [{ 'cloudEvents:type': 'Paid' }],
      exact: false,
    });
    expect(compileServiceBusFilter({ type: [{ prefix: 'Pay' }] })).toEqual({
      correlations: [],
      exact: false,
    });
    expect(compileServiceBusFilter({ subject: [null] })).toEqual({ correlations: [], exact: false });
  });

  it('gives up on correlation filters past 32 combinations', () => {
    const many = Array.from({ length: 40 }, (_, n) => `T${n}`);
    expect(compileServiceBusFilter({ type: many })).toEqual({ correlations: [], exact: false });
  });
});
