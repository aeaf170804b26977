import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { idempotencyStoreContract } from '@omnibus/contract-tests';
import { ConfigurationError } from '@omnibus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyStore } from '../src/index.js';
import { type Dynalite, emulatorClientConfig, startDynalite } from './dynalite-server.js';

// Started at collection time: the contract registers its suites synchronously with a factory.
const server: Dynalite = await startDynalite();
const clientConfig = emulatorClientConfig(server.endpoint);
const tableName = 'omnibus-idempotency-contract';
await new DynamoDbIdempotencyStore({ tableName, clientConfig }).createTable();

afterAll(async () => {
  await server.stop();
});

idempotencyStoreContract({
  name: 'dynamodb (dynalite)',
  createStore: () => new DynamoDbIdempotencyStore({ tableName, clientConfig }),
  // dynalite is a Node.js process of its own on a shared machine: a round trip can take longer
  // than the default 150 ms lease of the expiry tests (which must outlast two round trips) while
  // the suite runs its tests concurrently.
  shortMs: 1_500,
});

// The same contract through a client the application owns, with a prefix and custom attributes.
const shared = new DynamoDBClient(clientConfig);
idempotencyStoreContract({
  name: 'dynamodb (shared client, custom attributes)',
  createStore: async () => {
    const store = new DynamoDbIdempotencyStore({
      tableName: 'omnibus-idempotency-custom',
      client: shared,
      keyAttribute: 'id',
      ttlAttribute: 'ttl',
      keyPrefix: 'billing:',
    });
    await store.createTable();
    return store;
  },
  shortMs: 1_500,
});

describe('DynamoDbIdempotencyStore on dynalite', () => {
  const raw = new DynamoDBClient(clientConfig);
  const store = new DynamoDbIdempotencyStore({ tableName, clientConfig, keyPrefix: 'layout:' });
  const read = async (key: string) =>
    (
      await raw.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: store.itemKey(key) } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  afterAll(async () => {
    await store.close();
    raw.destroy();
    shared.destroy();
  });

  it('keeps one item per key with the lease, then the ttl, in epoch seconds for DynamoDB TTL', async () => {
    const key = `orders:${crypto.randomUUID()}`;
    const before = Date.now();
    const claim = await store.claim(key, { lockMs: 10_000, fingerprint: 'fp' });
    expect(claim.status).toBe('claimed');
    const pending = await read(key);
    expect(pending).toMatchObject({
      pk: { S: `layout:${key}` },
      state: { S: 'in-progress' },
      fingerprint: { S: 'fp' },
    });
    const leaseEnd = Number(pending?.expiresAtMs?.N);
    expect(leaseEnd).toBeGreaterThanOrEqual(before + 10_000);
    expect(Number(pending?.expiresAt?.N)).toBe(Math.ceil(leaseEnd / 1000));
    if (claim.status !== 'claimed') return;
    expect(await store.complete(key, claim.token, { ttlMs: 3_600_000, result: { ok: true } })).toBe(true);
    const done = await read(key);
    expect(done).toMatchObject({ state: { S: 'completed' }, result: { S: '{"ok":true}' } });
    expect(Number(done?.expiresAt?.N)).toBeGreaterThanOrEqual(Math.floor((before + 3_600_000) / 1000));
  });

  it('stores a key longer than a partition key allows under its hash, still one record per key', async () => {
    const long = 'k'.repeat(3000);
    expect(store.itemKey(long)).toMatch(/^layout:sha256:[0-9a-f]{64}$/);
    const first = await store.claim(long, { lockMs: 10_000 });
    expect(first.status).toBe('claimed');
    expect((await store.claim(long, { lockMs: 10_000 })).status).toBe('in-progress');
    expect((await store.claim(`${long}x`, { lockMs: 10_000 })).status).toBe('claimed');
  });

  it('creating the table again is harmless and says so', async () => {
    await expect(store.createTable()).resolves.toMatchObject({ created: false });
  });

  it('maps a missing table to a ConfigurationError naming the fix', async () => {
    const missing = new DynamoDbIdempotencyStore({ tableName: 'no-such-table', clientConfig });
    await expect(missing.claim('k', { lockMs: 1000 })).rejects.toThrow(ConfigurationError);
    await expect(missing.claim('k', { lockMs: 1000 })).rejects.toThrow(/does not exist.*createTable/);
    await missing.close();
  });

  it('validates every option at once, without I/O', () => {
    expect(
      () =>
        new DynamoDbIdempotencyStore({
          tableName: 'x',
          keyAttribute: 'state',
          ttlAttribute: '',
          colour: 'blue',
        } as never),
    ).toThrow(/unknown option 'colour'.*tableName.*keyAttribute may not be 'state'.*ttlAttribute must be/);
  });

  it('refuses work after close', async () => {
    const closed = new DynamoDbIdempotencyStore({ tableName, clientConfig });
    await closed.close();
    await expect(closed.claim('k', { lockMs: 1000 })).rejects.toMatchObject({ code: 'closed' });
  });
});
