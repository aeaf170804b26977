import { ConfigurationError, ConnectionError, createBus, idempotency } from '@omnibus/core';
import { collect, startSecretLeakProbe, waitFor } from '@omnibus/contract-tests';
import { createMemoryTransport } from '@omnibus/memory';
import { describe, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../src/index.js';

// Port 1 refuses connections at once, so every path below fails the way an unreachable Redis does.
const SECRET = 'hunter2-redis-Secret';
const unreachable = [
  `redis://:${SECRET}@127.0.0.1:1`,
  `redis://default:${SECRET}@127.0.0.1:1/0`,
  `rediss://user:${SECRET}@127.0.0.1:1`,
];
const malformed = [`http://:${SECRET}@127.0.0.1:1`, `redis://:${SECRET}@bad host:1`, `redis:${SECRET}`];

describe('the Redis idempotency store keeps its password out of every output', () => {
  it.each(unreachable)('a failing connection to %s', async (url) => {
    const probe = startSecretLeakProbe();
    const store = new RedisIdempotencyStore({ url, connectTimeoutMs: 500 });
    try {
      const failure = await store.claim('order-1', { lockMs: 1_000 }).catch((error: unknown) => error);
      expect(ConnectionError.isInstance(failure)).toBe(true);
      expect(String((failure as Error).message)).toMatch(
        /While connecting to rediss?:\/\/[^:]*:\*\*\*@127\.0\.0\.1:1/,
      );
      probe.record(failure);
    } finally {
      await store.close();
      probe.stop();
    }
    expect(probe.output()).toContain('While connecting');
    expect(probe.output()).not.toContain(SECRET);
  });

  it.each(malformed)('a malformed url %s', (url) => {
    const probe = startSecretLeakProbe();
    try {
      const failure = (() => {
        try {
          new RedisIdempotencyStore({ url });
        } catch (error) {
          return error;
        }
      })();
      expect(ConfigurationError.isInstance(failure)).toBe(true);
      probe.record(failure);
    } finally {
      probe.stop();
    }
    expect(probe.output()).toContain('ConfigurationError');
    expect(probe.output()).not.toContain(SECRET);
  });

  it('through a bus: log lines and the dead letter omnibus-error header', async () => {
    const probe = startSecretLeakProbe();
    const store = new RedisIdempotencyStore({ url: unreachable[0], connectTimeoutMs: 500 });
    const bus = await createBus({ transport: createMemoryTransport(), logger: probe.logger });
    try {
      const handled = collect();
      const dead = collect();
      await bus
        .consumer('orders', handled.handler, {
          retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 1 } },
          middleware: [idempotency({ store })],
        })
        .start();
      await bus.deadLetters('orders').consume(dead.handler).start();
      await bus.producer('orders').send({ type: 'OrderPlaced', data: { id: 1 } });
      await waitFor(
        () => dead.count() === 1,
        'the dead letter',
        10_000,
        () => dead.describe(),
      );
      expect(handled.count()).toBe(0);
      const header = dead.messages[0]!.headers['omnibus-error'];
      expect(header).toMatch(/ConnectionError: While connecting to redis:\/\/:\*\*\*@/);
      probe.record(dead.messages);
    } finally {
      await bus.close();
      await store.close();
      probe.stop();
    }
    expect(probe.output()).toContain('Dead-lettering');
    expect(probe.output()).not.toContain(SECRET);
  });
});
