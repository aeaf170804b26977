import { describe, expect, it } from 'vitest';
import type { EventPattern } from './event-pattern.js';
import { validatePattern } from './validate-pattern.js';

// Compile-time checks: the type accepts the documented forms and refuses common mistakes. The
// `@ts-expect-error` lines fail the typecheck if the type stops refusing them.
describe('EventPattern', () => {
  it('accepts documented patterns, written inline, annotated or `as const`', () => {
    const annotated: EventPattern = {
      source: ['payments'],
      type: ['PaymentFailed'],
      data: { amount: [{ numeric: ['>=', 1000] }], note: [null, true, 3, { exists: false }] },
      $or: [
        { subject: [{ prefix: { 'equals-ignore-case': 'order-' } }] },
        { headers: { tenant: [{ 'anything-but': ['test'] }] } },
      ],
    };
    const constant = {
      data: { amount: [{ numeric: ['>', 0, '<=', 5] }] },
      ip: [{ cidr: '10.0.0.0/8' }],
    } as const;
    const accepted: EventPattern[] = [annotated, constant];
    for (const pattern of accepted) expect(() => validatePattern(pattern)).not.toThrow();
  });

  it('refuses common mistakes at compile time', () => {
    const mistakes = [
      // @ts-expect-error a field holds a list, not a bare value
      { source: 'payments' } satisfies EventPattern,
      // @ts-expect-error operator names are case-sensitive
      { a: [{ EXISTS: true }] } satisfies EventPattern,
      // @ts-expect-error numeric takes a list of comparisons
      { a: [{ numeric: 5 }] } satisfies EventPattern,
      // @ts-expect-error anything-but takes strings or numbers, not null
      { a: [{ 'anything-but': null }] } satisfies EventPattern,
    ];
    expect(mistakes).toHaveLength(4);
  });
});
