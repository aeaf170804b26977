import { describe, expect, it } from 'vitest';
import { delayBucket, MAX_DELAY_MS } from './delay-buckets.js';

describe('delayBucket', () => {
  it('rounds up, never down, and by at most a third', () => {
    for (const delay of [1, 10, 11, 99, 101, 333, 1_000, 1_001, 45_000, 3_600_000, 80_000_001]) {
      const bucket = delayBucket(delay);
      expect(bucket).toBeGreaterThanOrEqual(delay);
      if (delay >= 10) expect(bucket / delay).toBeLessThanOrEqual(4 / 3 + 1e-9);
    }
  });

  it('caps at the maximum delay', () => {
    expect(delayBucket(MAX_DELAY_MS)).toBe(MAX_DELAY_MS);
  });
});
