import { describe, expect, it } from 'vitest';
import type { HandlerContext } from '../consumer/handler.js';
import { DuplicateInProgressError, IdempotencyConflictError } from '../errors/index.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store.js';
import { createConsoleLogger } from '../logger/logger.js';
import type { Message } from '../message/message.js';
import { idempotency } from './idempotency.js';

function message(id: string, data: unknown = { amount: 10 }): Message {
  return { id, type: 'AuthorizePayment', source: 's', time: 't', data, headers: {}, attempt: 1 };
}

function context(origin = 'payments'): HandlerContext {
  return {
    origin,
    signal: new AbortController().signal,
    logger: createConsoleLogger('silent'),
    send: async () => {},
    publish: async () => {},
    emit: async () => {},
  };
}

describe('idempotency middleware', () => {
  it('runs the handler once per key and hands duplicates the first result', async () => {
    const store = new MemoryIdempotencyStore();
    const middleware = idempotency({ store });
    let runs = 0;
    const handler = async () => ++runs;
    expect(await middleware(message('a'), context(), handler)).toBe(1);
    expect(await middleware(message('a'), context(), handler)).toBe(1);
    expect(await middleware(message('b'), context(), handler)).toBe(2);
    expect(runs).toBe(2);
  });

  it('releases the key when the handler throws, so the retry runs', async () => {
    const middleware = idempotency({ store: new MemoryIdempotencyStore() });
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('transient');
    };
    await expect(middleware(message('a'), context(), failing)).rejects.toThrow('transient');
    await middleware(message('a'), context(), async () => runs++);
    expect(runs).toBe(2);
  });

  it('does not run a duplicate while the first copy is in progress', async () => {
    const middleware = idempotency({ store: new MemoryIdempotencyStore(), lockMs: 5_000 });
    let release!: () => void;
    const first = middleware(
      message('a'),
      context(),
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await expect(middleware(message('a'), context(), async () => 'ran')).rejects.toBeInstanceOf(
      DuplicateInProgressError,
    );
    release();
    await first;
  });

  it("with onInProgress 'wait' returns once the first copy completes, without running", async () => {
    const middleware = idempotency({ store: new MemoryIdempotencyStore(), onInProgress: 'wait' });
    let runs = 0;
    let release!: () => void;
    const first = middleware(message('a'), context(), async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      return 'first';
    });
    const second = middleware(message('a'), context(), async () => ++runs);
    setTimeout(() => release(), 50);
    expect(await first).toBe('first');
    expect(await second).toBe('first');
    expect(runs).toBe(1);
  });

  it('lets the next claimer take over a lease that expired (crashed handler)', async () => {
    let now = 1_000;
    const store = new MemoryIdempotencyStore({ now: () => now });
    const first = await store.claim('k', { lockMs: 100 });
    expect(first.status).toBe('claimed');
    expect((await store.claim('k', { lockMs: 100 })).status).toBe('in-progress');
    now += 101;
    const second = await store.claim('k', { lockMs: 100 });
    expect(second.status).toBe('claimed');
    // The crashed holder can no longer complete: its token lost ownership.
    expect(await store.complete('k', first.status === 'claimed' ? first.token : '', { ttlMs: 1_000 })).toBe(
      false,
    );
  });

  it('keeps keys of different consumers apart by default', async () => {
    const middleware = idempotency({ store: new MemoryIdempotencyStore() });
    let runs = 0;
    await middleware(message('a'), context('email'), async () => runs++);
    await middleware(message('a'), context('sms'), async () => runs++);
    expect(runs).toBe(2);
  });

  it('raises IdempotencyConflictError when one key arrives with a different payload', async () => {
    const middleware = idempotency({
      store: new MemoryIdempotencyStore(),
      key: (m) => String((m.data as { ref: string }).ref),
    });
    await middleware(message('a', { ref: 'r1', amount: 1 }), context(), async () => {});
    await expect(
      middleware(message('b', { ref: 'r1', amount: 2 }), context(), async () => {}),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    const lenient = idempotency({
      store: new MemoryIdempotencyStore(),
      fingerprint: false,
      key: () => 'same',
    });
    await lenient(message('a', 1), context(), async () => {});
    await lenient(message('b', 2), context(), async () => {});
  });

  it('validates its options at once', () => {
    expect(() => idempotency({} as never)).toThrow(/needs an IdempotencyStore/);
    expect(() => idempotency({ store: new MemoryIdempotencyStore(), ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => idempotency({ store: new MemoryIdempotencyStore(), onInProgress: 'skip' as never })).toThrow(
      /onInProgress/,
    );
  });
});

describe('idempotency middleware when the store fails to record completion', () => {
  it('retries complete once, and acknowledges rather than re-running the effect', async () => {
    const store = new MemoryIdempotencyStore();
    let failures = 2;
    const flaky = Object.assign(Object.create(store) as MemoryIdempotencyStore, {
      claim: store.claim.bind(store),
      release: store.release.bind(store),
      complete: async (...args: Parameters<MemoryIdempotencyStore['complete']>) => {
        if (failures-- > 0) throw new Error('store blip');
        return store.complete(...args);
      },
    });
    let runs = 0;
    // First message: both complete calls fail, the handler's result still comes back (ack).
    await expect(idempotency({ store: flaky })(message('a'), context(), async () => ++runs)).resolves.toBe(1);
    // Second message: no failures left; recorded normally, so its duplicate is skipped.
    await idempotency({ store: flaky })(message('b'), context(), async () => ++runs);
    await idempotency({ store: flaky })(message('b'), context(), async () => ++runs);
    expect(runs).toBe(2);
  });
});
