import { idempotencyStoreContract } from '@omnibus/contract-tests';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../src/index.js';
import { redisUnavailable, redisUrl } from './redis-server.js';

const unavailable = await redisUnavailable();

idempotencyStoreContract({
  name: 'redis',
  createStore: () => new RedisIdempotencyStore({ url: redisUrl, keyPrefix: 'omnibus-test:idempotency:' }),
  unavailable,
});

// The same contract through a client the application owns (and the store must not close).
const shared = createClient({ url: redisUrl });
idempotencyStoreContract({
  name: 'redis (shared client, custom hash tag)',
  createStore: async () => {
    if (!shared.isOpen) await shared.connect();
    return new RedisIdempotencyStore({
      client: shared,
      keyPrefix: 'omnibus-test:tagged:',
      hashTag: (key) => key.split(':')[0] ?? key,
    });
  },
  unavailable,
});

describe.skipIf(unavailable !== undefined)('RedisIdempotencyStore on a real server', () => {
  const raw = createClient({ url: redisUrl });
  const store = new RedisIdempotencyStore({ url: redisUrl, keyPrefix: 'omnibus-test:layout:' });
  beforeAll(async () => {
    await raw.connect();
  });
  afterAll(async () => {
    await store.close();
    await raw.close();
    if (shared.isOpen) await shared.close();
  });

  it('keeps one hash per key, expiring with the lease, then with the ttl', async () => {
    const key = `orders:${crypto.randomUUID()}`;
    const claim = await store.claim(key, { lockMs: 10_000, fingerprint: 'fp' });
    expect(claim.status).toBe('claimed');
    const redisKey = store.redisKey(key);
    expect(redisKey).toBe(`omnibus-test:layout:{${key}}`);
    expect(await raw.hGetAll(redisKey)).toMatchObject({ s: 'p', f: 'fp' });
    expect(await raw.pTTL(redisKey)).toBeGreaterThan(9_000);
    if (claim.status !== 'claimed') return;
    await store.complete(key, claim.token, { ttlMs: 3_600_000, result: { ok: true } });
    expect(await raw.hGetAll(redisKey)).toMatchObject({ s: 'c', r: '{"ok":true}' });
    expect(await raw.pTTL(redisKey)).toBeGreaterThan(3_500_000);
  });

  it('reloads its scripts after SCRIPT FLUSH (NOSCRIPT), still answering correctly', async () => {
    const key = `flush:${crypto.randomUUID()}`;
    await raw.scriptFlush();
    expect((await store.claim(key, { lockMs: 10_000 })).status).toBe('claimed');
    expect((await store.claim(key, { lockMs: 10_000 })).status).toBe('in-progress');
  });

  it('maps a key holding another type to a ConfigurationError', async () => {
    const key = `wrongtype:${crypto.randomUUID()}`;
    await raw.set(store.redisKey(key), 'not a hash', { expiration: { type: 'PX', value: 10_000 } });
    await expect(store.claim(key, { lockMs: 1_000 })).rejects.toMatchObject({ code: 'configuration' });
  });
});

describe('RedisIdempotencyStore without a server', () => {
  it('validates every option at once without I/O', () => {
    expect(
      () =>
        new RedisIdempotencyStore({
          url: 'http://nope',
          keyPrefix: 'a{b}',
          connectTimeoutMs: -1,
        }),
    ).toThrow(/url must start with redis:\/\/.*keyPrefix.*connectTimeoutMs/);
  });

  it('fails a claim with a retryable ConnectionError when nothing listens', async () => {
    const store = new RedisIdempotencyStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 });
    await expect(store.claim('k', { lockMs: 1_000 })).rejects.toMatchObject({
      code: 'connection',
      retryable: true,
    });
    await store.close();
    await expect(store.claim('k', { lockMs: 1_000 })).rejects.toMatchObject({ code: 'closed' });
  });

  it('lays keys out for Redis Cluster', () => {
    const byKey = new RedisIdempotencyStore({ keyPrefix: 'p:' });
    expect(byKey.redisKey('orders:42')).toBe('p:{orders:42}');
    expect(byKey.redisKey('a}b')).toMatch(/^p:\{[0-9a-f]{40}\}:a\}b$/);
    const tagged = new RedisIdempotencyStore({ keyPrefix: 'p:', hashTag: () => 'tenant-7' });
    expect(tagged.redisKey('orders:42')).toBe('p:{tenant-7}:orders:42');
    const plain = new RedisIdempotencyStore({ keyPrefix: 'p:', hashTag: false });
    expect(plain.redisKey('orders:42')).toBe('p:orders:42');
  });
});
