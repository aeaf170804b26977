import { randomUUID } from 'node:crypto';
import { type ClaimResult, IdempotencyConflictError, type IdempotencyStore } from '@omnibus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The names of the contract's tests, for `skip`. */
export type IdempotencyStoreTestId =
  | 'claim.fresh'
  | 'claim.in-progress'
  | 'complete.then-completed'
  | 'complete.outlives-lease'
  | 'complete.unknown-key'
  | 'complete.stale-token-after-takeover'
  | 'complete.stale-token-after-release'
  | 'results.round-trip'
  | 'release.frees-key'
  | 'release.stale-token-harmless'
  | 'release.after-complete-keeps-result'
  | 'lease.expiry-takeover'
  | 'ttl.expiry'
  | 'race.one-winner'
  | 'race.takeover-one-winner'
  | 'instances.shared'
  | 'conflict.in-progress'
  | 'conflict.completed'
  | 'conflict.absent-fingerprint'
  | 'keys.distinct';

/** What a store package passes to `idempotencyStoreContract`. */
export interface IdempotencyStoreContractOptions {
  /** Shown in the suite's title, e.g. `'redis'`. */
  name: string;
  /**
   * Returns a ready store. Called twice: the two stores stand for two processes and must share
   * their keys (for an in-process store, return the same instance twice). Both are closed after
   * the suite.
   */
  createStore: () => IdempotencyStore | Promise<IdempotencyStore>;
  /**
   * Why the whole suite cannot run here (e.g. the server is unreachable, and how to start it).
   * Every test is then skipped with this reason in its title.
   */
  unavailable?: string;
  /** Tests to skip, each with the reason, printed in the test title. */
  skip?: Partial<Record<IdempotencyStoreTestId, string>>;
  /**
   * The short lease and ttl the expiry tests use, in milliseconds; the tests wait a little longer
   * than this. Raise it for a store whose expiry is coarse.
   * @default 150
   */
  shortMs?: number;
  /** Allowed difference between the store's clock and this process's, in milliseconds. @default 100 */
  clockToleranceMs?: number;
  /** Concurrent claimers in the race tests. @default 24 */
  claimers?: number;
}

/** Results that must come back from `complete` to a later `claim` exactly as stored. */
const RESULTS: ReadonlyArray<readonly [string, unknown]> = [
  ['an object', { orderId: 'o-1', amount: 12.5, items: [{ sku: 'a', qty: 2 }], paid: true, note: null }],
  ['an array', [1, 'two', { three: 3 }, [4]]],
  ['a string with quotes and unicode', 'say "hi" — ünïcødé ✓ \\ {braces}'],
  ['an empty string', ''],
  ['zero', 0],
  ['a negative float', -1.25e-7],
  ['false', false],
  ['null', null],
];

/**
 * The conformance suite of `IdempotencyStore`: every store package calls it from one of its vitest
 * files with a factory. Keys are unique per test, so stores' suites can run in parallel against
 * one server, and the tests of one suite run concurrently.
 *
 * ```ts
 * idempotencyStoreContract({ name: 'redis', createStore: () => new RedisIdempotencyStore({ url }) });
 * ```
 */
export function idempotencyStoreContract(options: IdempotencyStoreContractOptions): void {
  const shortMs = options.shortMs ?? 150;
  const toleranceMs = options.clockToleranceMs ?? 100;
  const claimers = options.claimers ?? 24;
  const lockMs = 30_000;
  const ttlMs = 60_000;
  const stores: IdempotencyStore[] = [];
  const first = () => stores[0]!;
  const second = () => stores[1]!;
  const run = `ct-idem-${randomUUID().slice(0, 8)}`;
  let counter = 0;
  const newKey = (label: string) => `${run}:${label}:${++counter}`;

  const test = (id: IdempotencyStoreTestId, title: string, body: () => Promise<void>) => {
    const reason = options.unavailable ?? options.skip?.[id];
    if (reason !== undefined) it.skip(`${id}: ${title} (skipped: ${reason})`, body);
    else it(`${id}: ${title}`, body);
  };

  describe.concurrent(`idempotency store contract: ${options.name}`, () => {
    beforeAll(async () => {
      if (options.unavailable !== undefined) return;
      stores.push(await options.createStore(), await options.createStore());
    });
    afterAll(async () => {
      for (const store of stores) await store.close?.();
      // close() is idempotent.
      for (const store of stores) await store.close?.();
    });

    test('claim.fresh', 'claims a key nobody holds, with a token', async () => {
      const claim = await first().claim(newKey('fresh'), { lockMs });
      expect(claim.status).toBe('claimed');
      expect(tokenOf(claim)).toEqual(expect.any(String));
      expect(tokenOf(claim)).not.toBe('');
    });

    test('claim.in-progress', 'a held key is in progress until its lease ends', async () => {
      const key = newKey('held');
      const before = Date.now();
      expect((await first().claim(key, { lockMs })).status).toBe('claimed');
      const again = await first().claim(key, { lockMs });
      expect(again.status).toBe('in-progress');
      const { expiresAt } = again as Extract<ClaimResult, { status: 'in-progress' }>;
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + lockMs + toleranceMs);
      expect(expiresAt).toBeGreaterThanOrEqual(before + lockMs - toleranceMs);
    });

    test('complete.then-completed', 'after complete, claims answer completed with the result', async () => {
      const key = newKey('done');
      const token = tokenOf(await first().claim(key, { lockMs }));
      expect(await first().complete(key, token, { ttlMs, result: { charged: 20 } })).toBe(true);
      expect(await first().claim(key, { lockMs })).toEqual({ status: 'completed', result: { charged: 20 } });
      expect(await second().claim(key, { lockMs })).toEqual({ status: 'completed', result: { charged: 20 } });
    });

    test('complete.outlives-lease', 'a completed key is remembered for ttlMs, not lockMs', async () => {
      const key = newKey('outlives');
      const token = tokenOf(await first().claim(key, { lockMs: shortMs }));
      expect(await first().complete(key, token, { ttlMs, result: 'ok' })).toBe(true);
      await sleep(shortMs + 100);
      expect(await first().claim(key, { lockMs })).toEqual({ status: 'completed', result: 'ok' });
    });

    test('complete.unknown-key', 'complete of a key never claimed resolves false', async () => {
      expect(await first().complete(newKey('unknown'), randomUUID(), { ttlMs, result: 1 })).toBe(false);
    });

    test(
      'complete.stale-token-after-takeover',
      'complete by a holder whose lease was taken over resolves false and changes nothing',
      async () => {
        const key = newKey('takeover');
        const stale = tokenOf(await first().claim(key, { lockMs: shortMs }));
        await sleep(shortMs + 100);
        const fresh = tokenOf(await second().claim(key, { lockMs }));
        expect(fresh).not.toBe(stale);
        expect(await first().complete(key, stale, { ttlMs, result: 'stale' })).toBe(false);
        expect((await first().claim(key, { lockMs })).status).toBe('in-progress');
        expect(await second().complete(key, fresh, { ttlMs, result: 'fresh' })).toBe(true);
        expect(await first().claim(key, { lockMs })).toEqual({ status: 'completed', result: 'fresh' });
      },
    );

    test(
      'complete.stale-token-after-release',
      'complete by a token that released the key resolves false',
      async () => {
        const key = newKey('released');
        const released = tokenOf(await first().claim(key, { lockMs }));
        await first().release(key, released);
        const next = tokenOf(await second().claim(key, { lockMs }));
        expect(await first().complete(key, released, { ttlMs, result: 'old' })).toBe(false);
        expect(await second().complete(key, next, { ttlMs, result: 'new' })).toBe(true);
        expect(await first().claim(key, { lockMs })).toEqual({ status: 'completed', result: 'new' });
      },
    );

    test(
      'results.round-trip',
      'results come back as stored (JSON values; undefined as nothing)',
      async () => {
        for (const [label, result] of RESULTS) {
          const key = newKey('result');
          const token = tokenOf(await first().claim(key, { lockMs }));
          expect(await first().complete(key, token, { ttlMs, result })).toBe(true);
          const claim = await second().claim(key, { lockMs });
          expect(claim, label).toEqual({ status: 'completed', result });
        }
        const key = newKey('result-undefined');
        const token = tokenOf(await first().claim(key, { lockMs }));
        expect(await first().complete(key, token, { ttlMs })).toBe(true);
        const claim = await second().claim(key, { lockMs });
        expect(claim.status).toBe('completed');
        // JSON has no undefined: a store may give it back as undefined or null, nothing else.
        expect([undefined, null]).toContain((claim as Extract<ClaimResult, { status: 'completed' }>).result);
      },
    );

    test('release.frees-key', 'release by the holder lets the next claim run', async () => {
      const key = newKey('release');
      const token = tokenOf(await first().claim(key, { lockMs }));
      await first().release(key, token);
      const again = await second().claim(key, { lockMs });
      expect(again.status).toBe('claimed');
      expect(tokenOf(again)).not.toBe(token);
    });

    test(
      'release.stale-token-harmless',
      'release by a token that does not hold the key does nothing',
      async () => {
        const key = newKey('stale-release');
        const token = tokenOf(await first().claim(key, { lockMs }));
        await second().release(key, randomUUID());
        await second().release(key, 'not-even-a-uuid');
        await second().release(newKey('never-claimed'), token);
        expect((await second().claim(key, { lockMs })).status).toBe('in-progress');
        expect(await first().complete(key, token, { ttlMs, result: 'kept' })).toBe(true);
      },
    );

    test(
      'release.after-complete-keeps-result',
      'release after complete does not forget the completed key',
      async () => {
        const key = newKey('release-done');
        const token = tokenOf(await first().claim(key, { lockMs }));
        expect(await first().complete(key, token, { ttlMs, result: 7 })).toBe(true);
        await first().release(key, token);
        expect(await second().claim(key, { lockMs })).toEqual({ status: 'completed', result: 7 });
      },
    );

    test(
      'lease.expiry-takeover',
      'a lease never completed nor released frees the key after lockMs',
      async () => {
        const key = newKey('lease');
        expect((await first().claim(key, { lockMs: shortMs })).status).toBe('claimed');
        expect((await second().claim(key, { lockMs })).status).toBe('in-progress');
        await sleep(shortMs + 100);
        expect((await second().claim(key, { lockMs })).status).toBe('claimed');
      },
    );

    test('ttl.expiry', 'a completed key is forgotten after ttlMs', async () => {
      const key = newKey('ttl');
      const token = tokenOf(await first().claim(key, { lockMs }));
      expect(await first().complete(key, token, { ttlMs: shortMs, result: 'old' })).toBe(true);
      expect((await second().claim(key, { lockMs: shortMs })).status).toBe('completed');
      await sleep(shortMs + 100);
      expect((await second().claim(key, { lockMs })).status).toBe('claimed');
    });

    test('race.one-winner', `of ${claimers} parallel claimers of one key exactly one wins`, async () => {
      for (let round = 0; round < 5; round++) {
        const key = newKey('race');
        const claims = await Promise.all(
          Array.from({ length: claimers }, (_, index) =>
            (index % 2 ? second() : first()).claim(key, { lockMs, fingerprint: 'same' }),
          ),
        );
        expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
        expect(claims.filter((claim) => claim.status === 'in-progress')).toHaveLength(claimers - 1);
      }
    });

    test(
      'race.takeover-one-winner',
      `of ${claimers} parallel claimers of an expired lease exactly one takes it over`,
      async () => {
        const keys = Array.from({ length: 3 }, () => newKey('takeover-race'));
        for (const key of keys) await first().claim(key, { lockMs: shortMs });
        await sleep(shortMs + 100);
        for (const key of keys) {
          const claims = await Promise.all(
            Array.from({ length: claimers }, (_, index) =>
              (index % 2 ? second() : first()).claim(key, { lockMs }),
            ),
          );
          expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
        }
      },
    );

    test('instances.shared', 'two store instances see the same keys', async () => {
      const key = newKey('shared');
      const token = tokenOf(await first().claim(key, { lockMs }));
      expect((await second().claim(key, { lockMs })).status).toBe('in-progress');
      expect(await second().complete(key, token, { ttlMs, result: 'from-second' })).toBe(true);
      expect(await first().claim(key, { lockMs })).toEqual({ status: 'completed', result: 'from-second' });
    });

    test(
      'conflict.in-progress',
      'the same key with another fingerprint is a conflict while held',
      async () => {
        const key = newKey('conflict-held');
        expect((await first().claim(key, { lockMs, fingerprint: 'payload-a' })).status).toBe('claimed');
        await expectConflict(second().claim(key, { lockMs, fingerprint: 'payload-b' }));
        expect((await second().claim(key, { lockMs, fingerprint: 'payload-a' })).status).toBe('in-progress');
      },
    );

    test(
      'conflict.completed',
      'the same key with another fingerprint is a conflict once completed',
      async () => {
        const key = newKey('conflict-done');
        const token = tokenOf(await first().claim(key, { lockMs, fingerprint: 'payload-a' }));
        expect(await first().complete(key, token, { ttlMs, result: 'a' })).toBe(true);
        await expectConflict(second().claim(key, { lockMs, fingerprint: 'payload-b' }));
        expect(await second().claim(key, { lockMs, fingerprint: 'payload-a' })).toEqual({
          status: 'completed',
          result: 'a',
        });
      },
    );

    test(
      'conflict.absent-fingerprint',
      'no conflict when either side has no fingerprint (fingerprinting turned off)',
      async () => {
        const withPrint = newKey('print');
        const token = tokenOf(await first().claim(withPrint, { lockMs, fingerprint: 'payload-a' }));
        expect((await second().claim(withPrint, { lockMs })).status).toBe('in-progress');
        await first().complete(withPrint, token, { ttlMs, result: 1 });
        expect((await second().claim(withPrint, { lockMs })).status).toBe('completed');

        const without = newKey('no-print');
        expect((await first().claim(without, { lockMs })).status).toBe('claimed');
        expect((await second().claim(without, { lockMs, fingerprint: 'payload-b' })).status).toBe(
          'in-progress',
        );
      },
    );

    test('keys.distinct', 'keys that differ in any character are independent', async () => {
      const base = newKey('chars');
      const keys = [
        `${base}`,
        `${base}:a`,
        `${base}:{a}`,
        `${base}:{a}b`,
        `${base}:a}`,
        `${base}:{`,
        `${base}/sub scription`,
        `${base}:ünïcødé-✓`,
        `${base}:${'x'.repeat(400)}`,
      ];
      const claims = await Promise.all(keys.map((key) => first().claim(key, { lockMs })));
      expect(claims.map((claim) => claim.status)).toEqual(keys.map(() => 'claimed'));
      for (const [index, key] of keys.entries()) {
        expect(await first().complete(key, tokenOf(claims[index]!), { ttlMs, result: index })).toBe(true);
      }
      for (const [index, key] of keys.entries()) {
        expect(await second().claim(key, { lockMs })).toEqual({ status: 'completed', result: index });
      }
    });
  });
}

function tokenOf(claim: ClaimResult): string {
  if (claim.status !== 'claimed') throw new Error(`Expected the claim to win; got ${JSON.stringify(claim)}.`);
  return claim.token;
}

async function expectConflict(claim: Promise<ClaimResult>): Promise<void> {
  const error = await claim.then(
    (result) => new Error(`Expected IdempotencyConflictError; got ${JSON.stringify(result)}.`),
    (rejection: unknown) => rejection,
  );
  expect(IdempotencyConflictError.isInstance(error), String(error)).toBe(true);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
