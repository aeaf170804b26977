import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';

describe('MemoryIdempotencyStore', () => {
  it('forgets expired keys as new claims arrive, so memory stays bounded', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ now: () => now });
    for (let index = 0; index < 1_000; index++) {
      const claim = await store.claim(`old-${index}`, { lockMs: 1_000 });
      if (claim.status === 'claimed') await store.complete(`old-${index}`, claim.token, { ttlMs: 10 });
    }
    expect(store.size).toBe(1_000);
    now = 100; // every old key has expired
    for (let index = 0; index < 1_000; index++) await store.claim(`new-${index}`, { lockMs: 60_000 });
    expect(store.size).toBeLessThan(1_100);
    expect(store.size).toBeGreaterThanOrEqual(1_000);
  });

  it('never forgets a key before it expires', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ now: () => now });
    const claim = await store.claim('kept', { lockMs: 1_000 });
    if (claim.status === 'claimed') await store.complete('kept', claim.token, { ttlMs: 1_000_000 });
    now = 500_000;
    for (let index = 0; index < 5_000; index++) await store.claim(`other-${index}`, { lockMs: 10 });
    expect((await store.claim('kept', { lockMs: 1_000 })).status).toBe('completed');
  });
});
