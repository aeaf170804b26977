import { compilePattern } from '@omnibus/core';
import type { BenchRow } from './report.js';

/** Matches per second of a compiled 10-field pattern against events that match and that don't. */
export function benchPatternMatcher(iterations = 3_000_000): BenchRow[] {
  const pattern = {
    source: ['payments'],
    type: ['PaymentFailed', 'PaymentDeclined'],
    subject: [{ prefix: 'order-' }],
    data: {
      amount: [{ numeric: ['>=', 100, '<', 10_000] }],
      currency: ['EUR', 'USD'],
      customer: { tier: [{ 'anything-but': ['internal'] }], country: [{ 'equals-ignore-case': 'de' }] },
      card: { brand: ['visa', 'mastercard'], last4: [{ exists: true }] },
      retry: [{ exists: false }],
    },
  };
  const event = (amount: number) => ({
    id: 'e1',
    type: 'PaymentFailed',
    source: 'payments',
    subject: 'order-42',
    time: '2026-01-01T00:00:00Z',
    headers: {},
    data: {
      amount,
      currency: 'EUR',
      customer: { tier: 'gold', country: 'DE' },
      card: { brand: 'visa', last4: '4242' },
    },
  });
  const matching = event(1_250);
  const failing = event(50);
  const matcher = compilePattern(pattern);
  if (!matcher(matching) || matcher(failing))
    throw new Error('The benchmark pattern does not behave as expected.');
  let hits = 0;
  const started = performance.now();
  for (let index = 0; index < iterations; index++) if (matcher(index & 1 ? matching : failing)) hits++;
  const seconds = (performance.now() - started) / 1000;
  if (hits !== iterations / 2) throw new Error('Unexpected match count.');
  return [
    {
      name: 'pattern matcher, 10 fields (compiled)',
      opsPerSec: iterations / seconds,
      target: '>= 2,000,000 matches/s',
    },
  ];
}
