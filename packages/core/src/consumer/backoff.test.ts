import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultBackoff } from './backoff.js';

describe('backoffDelay', () => {
  const fixed = { ...defaultBackoff, initialMs: 100, factor: 2, maxMs: 1_000, jitter: false };

  it('grows exponentially and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((attempt) => backoffDelay(fixed, attempt))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('with jitter stays between half and all of the delay', () => {
    const jittered = { ...fixed, jitter: true };
    expect(backoffDelay(jittered, 3, () => 0)).toBe(200);
    expect(backoffDelay(jittered, 3, () => 0.999_999)).toBe(400);
    for (let index = 0; index < 100; index++) {
      const delay = backoffDelay(jittered, 2);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });
});
