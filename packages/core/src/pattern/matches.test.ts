import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import type { EventPattern } from './event-pattern.js';
import { matches } from './matches.js';

describe('matches', () => {
  const pattern: EventPattern = {
    source: ['payments'],
    type: ['PaymentFailed'],
    data: { amount: [{ numeric: ['>=', 1000] }] },
  };

  it('matches an Omnibus envelope view with EventBridge semantics', () => {
    expect(
      matches(pattern, { source: 'payments', type: 'PaymentFailed', data: { orderId: 'o-1', amount: 1250 } }),
    ).toBe(true);
    expect(matches(pattern, { source: 'payments', type: 'PaymentFailed', data: { amount: 999 } })).toBe(
      false,
    );
  });

  it('gives the same answers on repeated calls with the same pattern object', () => {
    const events = [
      { source: 'payments', type: 'PaymentFailed', data: { amount: 1000 } },
      { source: 'orders' },
    ];
    const first = events.map((event) => matches(pattern, event));
    const again = events.map((event) => matches(pattern, event));
    expect(again).toEqual(first);
    expect(first).toEqual([true, false]);
  });

  it('throws InvalidPatternError for a pattern EventBridge would reject, every time', () => {
    const invalid = { source: 'payments' } as unknown as EventPattern;
    expect(() => matches(invalid, {})).toThrow(InvalidPatternError);
    expect(() => matches(invalid, {})).toThrow(InvalidPatternError);
    expect(() => matches(null as unknown as EventPattern, {})).toThrow(InvalidPatternError);
  });
});
