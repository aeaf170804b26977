import { type Bus, MessageTooLargeError, UnsupportedFeatureError } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { Scope } from '../scope.js';

/** Messages beyond this are not worth pushing through a test to find the exact size limit. */
const LARGEST_EXERCISED_BYTES = 16 * 1024 * 1024;

/**
 * Capabilities are checked in both directions: what a transport declares must work, and what it
 * does not declare must be refused before any I/O with `UnsupportedFeatureError`, never ignored.
 * (The ordering and delay suites are the positive direction for those features.)
 */
export function capabilityHonestySuite(scenario: DefineScenario): void {
  describe('capability honesty', () => {
    scenario(
      'capabilities.well-formed',
      'the transport declares a complete, well-formed capability record',
      async (scope) => {
        const { bus, transport } = await scope.open();
        expect(transport.specificationVersion).toBe('v1');
        expect(transport.name).toMatch(/\S/);
        expect(bus.transportName).toBe(transport.name);
        const capabilities = transport.capabilities;
        expect(bus.capabilities).toEqual(capabilities);

        if (capabilities.delay !== false) {
          expect(capabilities.delay.maxMs).toBeGreaterThan(0);
          expect(Number.isSafeInteger(capabilities.delay.maxMs)).toBe(true);
          expect(['native', 'emulated']).toContain(capabilities.delay.mode);
        }
        expect(['key', 'none']).toContain(capabilities.ordering);
        expect(Number.isSafeInteger(capabilities.maxMessageBytes)).toBe(true);
        expect(capabilities.maxMessageBytes).toBeGreaterThan(0);
        expect(Number.isSafeInteger(capabilities.maxBatchSize)).toBe(true);
        expect(capabilities.maxBatchSize).toBeGreaterThanOrEqual(1);
        expect(['native', 'emulated']).toContain(capabilities.deadLetter);
        expect(['native', 'partial', 'client']).toContain(capabilities.rules);
        if (capabilities.retryDelay !== false) {
          expect(Number.isSafeInteger(capabilities.retryDelay.maxMs)).toBe(true);
          expect(capabilities.retryDelay.maxMs).toBeGreaterThan(0);
        }
      },
    );

    scenario(
      'capabilities.delay-at-max',
      'a delay of exactly the declared maximum is accepted and not delivered early',
      async (scope) => {
        const { bus } = await scope.open();
        const delay = bus.capabilities.delay;
        if (delay === false) return scope.skip('transport declares delay: false');
        const queue = scope.name('delay-max');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        await expect(
          bus.producer(queue).send({ type: 'FarFuture', data: null }, { delayMs: delay.maxMs }),
        ).resolves.toBeUndefined();
        await scope.settle();
        expect(received.count()).toBe(0);
      },
    );

    scenario(
      'capabilities.delay-beyond-max',
      'a delay beyond the declared maximum fails with UnsupportedFeatureError before I/O',
      async (scope) => {
        const { bus, calls, transport } = await scope.open();
        const delay = bus.capabilities.delay;
        if (delay === false) return scope.skip('transport declares delay: false');

        const attempt = bus
          .producer(scope.name('delay-over'))
          .send({ type: 'TooLate', data: null }, { delayMs: delay.maxMs + 1 });
        await expect(attempt).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
        await expect(attempt).rejects.toMatchObject({
          code: 'unsupported-feature',
          transport: transport.name,
        });
        expect(calls.send).toBe(0);
      },
    );

    scenario(
      'capabilities.delay-absent',
      'without declared delay, any delay fails with UnsupportedFeatureError before I/O',
      async (scope) => {
        const { bus, calls, transport } = await scope.open();
        if (bus.capabilities.delay !== false)
          return scope.skip(`transport declares delay up to ${bus.capabilities.delay.maxMs} ms`);

        const attempt = bus
          .producer(scope.name('no-delay'))
          .send({ type: 'Later', data: null }, { delayMs: 1_000 });
        await expect(attempt).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
        await expect(attempt).rejects.toMatchObject({ transport: transport.name });
        expect(calls.send).toBe(0);
      },
    );

    scenario(
      'capabilities.ordering-absent-consumer',
      'with ordering: none, a consumer asking for ordering by key fails before I/O',
      async (scope) => {
        const { bus, calls, transport } = await scope.open();
        if (bus.capabilities.ordering === 'key') return scope.skip('transport declares ordering: key');

        const attempt = (async () =>
          bus.consumer(scope.name('no-order'), () => {}, { ordering: 'key' }).start())();
        await expect(attempt).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
        await expect(attempt).rejects.toMatchObject({ transport: transport.name });
        expect(calls.consume).toBe(0);
      },
    );

    scenario(
      'capabilities.ordering-absent-producer',
      'with ordering: none, a producer asking for ordering by key fails before I/O',
      async (scope) => {
        const { bus, calls } = await scope.open();
        if (bus.capabilities.ordering === 'key') return scope.skip('transport declares ordering: key');

        const attempt = (async () =>
          bus
            .producer(scope.name('no-order'), { ordering: 'key' })
            .send({ type: 'Keyed', key: 'k', data: null }))();
        await expect(attempt).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
        expect(calls.send).toBe(0);
      },
    );

    scenario(
      'capabilities.max-bytes-at-limit',
      'a message of exactly maxMessageBytes is accepted and arrives intact',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('at-limit');
        const sized = await sizeProbe(scope, bus, queue);
        const received = collect<string>();
        await bus.consumer(queue, received.handler).start();

        const id = scope.id();
        await bus.producer(queue).send(sized.message(id, sized.fitting));
        await scope.waitForCount(received, 1, queue);
        expect(received.messages[0]!.id).toBe(id);
        expect(received.messages[0]!.data).toHaveLength(sized.fitting);
      },
    );

    scenario(
      'capabilities.max-bytes-over',
      'a message one byte over maxMessageBytes is refused before I/O',
      async (scope) => {
        const { bus, calls } = await scope.open();
        const queue = scope.name('over-limit');
        const sized = await sizeProbe(scope, bus, queue);

        const attempt = bus.producer(queue).send(sized.message(scope.id(), sized.fitting + 1));
        await expect(attempt).rejects.toSatisfy(MessageTooLargeError.isInstance);
        await expect(attempt).rejects.toMatchObject({ sizeBytes: bus.capabilities.maxMessageBytes + 1 });
        expect(calls.send).toBe(0);
      },
    );

    scenario(
      'capabilities.max-batch',
      'a batch of maxBatchSize messages is accepted and arrives whole',
      async (scope) => {
        const { bus } = await scope.open();
        const size = Math.min(bus.capabilities.maxBatchSize, 500);
        const queue = scope.name('max-batch');
        const received = collect();
        await bus.consumer(queue, received.handler, { concurrency: 20 }).start();

        const ids = Array.from({ length: size }, () => scope.id());
        await bus.producer(queue).send(ids.map((id) => ({ id, type: 'Batched', data: null })));

        await scope.waitForCount(received, size, queue);
        await scope.settle();
        expect(received.count()).toBe(size);
        expect(received.distinctIds()).toEqual(new Set(ids));
      },
    );

    scenario(
      'capabilities.retry-delay',
      'a declared retryDelay is honoured; without one, retries still happen',
      async (scope) => {
        const { bus } = await scope.open();
        const retryDelay = bus.capabilities.retryDelay;
        const wanted = retryDelay === false ? 0 : Math.min(retryDelay.maxMs, 800);
        const queue = scope.name('retry-delay');
        let failedAt = 0;
        const received = collect((message) => {
          if (message.attempt === 1) {
            failedAt = Date.now();
            throw new Error('retry me');
          }
        });
        const backoff = { initialMs: 800, maxMs: 800, factor: 1, jitter: false };
        await bus.consumer(queue, received.handler, { retry: { attempts: 2, backoff } }).start();

        await bus.producer(queue).send({ type: 'Retried', data: null });

        await scope.waitForCount(received, 2, queue);
        expect(received.arrivals[1]!.at - failedAt).toBeGreaterThanOrEqual(wanted - 10);
      },
    );
  });
}

/**
 * Finds, through core's own size check (no I/O: the probe is oversized), how long a string payload
 * makes a message of exactly `maxMessageBytes`. Every other part of the message is fixed-length.
 */
async function sizeProbe(scope: Scope, bus: Bus, queue: string) {
  const max = bus.capabilities.maxMessageBytes;
  if (max > LARGEST_EXERCISED_BYTES)
    return scope.skip(`maxMessageBytes ${max} is larger than this suite exercises`);
  const message = (id: string, length: number) => ({
    id,
    type: 'Sized',
    source: 'ct-size-probe',
    time: '2025-01-01T00:00:00.000Z',
    data: 'x'.repeat(length),
  });
  const probe = await bus
    .producer(queue)
    .send(message(scope.id(), max))
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (!MessageTooLargeError.isInstance(probe)) {
    throw new Error(
      `A message with a ${max}-character payload was not refused as too large (maxMessageBytes ${max}).`,
    );
  }
  const overhead = probe.sizeBytes - max;
  return { message, fitting: max - overhead };
}
