import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '../src/index.js';
import { consumeOptions, encoded, encodedMany, recorder, setup, unique } from './support.js';

const queueRef = (queue: string) => ({ kind: 'queue', queue }) as const;

describe('memory harness: fault injection', () => {
  it('duplicateDeliveries delivers each message `times` times', async () => {
    const { broker, transport } = setup();
    const queue = unique('dupes');
    const undo = broker.faults.duplicateDeliveries({ source: queue, times: 3 });
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    const messages = encodedMany(4);
    await transport.send(queue, messages, {});
    await broker.waitForIdle();
    expect(seen.deliveries).toHaveLength(12);
    for (const message of messages) {
      expect(seen.deliveries.filter((delivery) => delivery.message.id === message.id)).toHaveLength(3);
    }
    undo();
    await transport.send(queue, [encoded()], {});
    await broker.waitForIdle();
    expect(seen.deliveries).toHaveLength(13);
  });

  it('duplicateDeliveries with a rate picks the same messages for the same seed', async () => {
    const pick = async () => {
      const { broker, transport } = setup();
      const queue = 'rated';
      broker.faults.duplicateDeliveries({ rate: 0.3, seed: 42 });
      await transport.send(
        queue,
        encodedMany(200, (index) => ({ id: `m-${index}`, data: index })),
        {},
      );
      const counts = new Map<string, number>();
      for (const message of broker.peek(queue)) counts.set(message.id, (counts.get(message.id) ?? 0) + 1);
      return [...counts].filter(([, count]) => count > 1).map(([id]) => id);
    };
    const first = await pick();
    expect(first.length).toBeGreaterThan(30);
    expect(first.length).toBeLessThan(90);
    expect(await pick()).toEqual(first);
  });

  it('redeliverNext loses the next ack: the message comes back with attempt + 1', async () => {
    const { broker, transport } = setup();
    const queue = unique('lost-ack');
    await transport.send(queue, [encoded()], {});
    broker.faults.redeliverNext(queue);
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await broker.waitForIdle();
    expect(seen.deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2]);
  });

  it('failNextSends rejects with a retryable ConnectionError and stores nothing', async () => {
    const { broker, transport } = setup();
    const queue = unique('refused');
    broker.createQueue(queue);
    broker.faults.failNextSends(1);
    await expect(transport.send(queue, [encoded()], {})).rejects.toMatchObject({
      name: 'ConnectionError',
      retryable: true,
    });
    expect(broker.inspect(queue).ready).toBe(0);
    await transport.send(queue, [encoded()], {});
    expect(broker.inspect(queue).ready).toBe(1);
  });

  it('clear() removes every fault', async () => {
    const { broker, transport } = setup();
    const queue = unique('cleared');
    broker.createQueue(queue);
    broker.faults.duplicateDeliveries({ times: 5 });
    broker.faults.redeliverNext(queue, 3);
    broker.faults.failNextSends(2);
    broker.faults.clear();
    const seen = recorder();
    await transport.consume(queueRef(queue), seen.handler, consumeOptions);
    await transport.send(queue, [encoded()], {});
    await broker.waitForIdle();
    expect(seen.deliveries.map((delivery) => delivery.attempt)).toEqual([1]);
  });

  it('validates fault options', () => {
    const { broker } = setup();
    expect(() => broker.faults.duplicateDeliveries({ times: 0, rate: 2 })).toThrow(
      /times must be an integer >= 1; got 0; rate must be between 0 and 1/,
    );
    expect(() => broker.faults.redeliverNext('nowhere')).toThrow(/has no queue 'nowhere'/);
  });
});

describe('memory harness: inspection and idle', () => {
  it('waitForIdle ignores queues nobody consumes and delays not yet due', async () => {
    const { broker, transport } = setup();
    await transport.send(unique('unconsumed'), [encoded()], {});
    const queue = unique('consumed');
    await transport.consume(queueRef(queue), async (delivery) => delivery.ack(), consumeOptions);
    await transport.send(queue, [encoded()], { delayMs: 60_000 });
    await broker.waitForIdle({ timeoutMs: 1_000 });
    expect(broker.inspect(queue)).toMatchObject({ delayed: 1 });
  });

  it('waitForIdle rejects after its timeout, naming what is busy', async () => {
    const { broker, transport } = setup();
    const queue = unique('stuck');
    await transport.consume(queueRef(queue), async () => {}, consumeOptions);
    await transport.send(queue, [encoded()], {});
    await expect(broker.waitForIdle({ timeoutMs: 20 })).rejects.toThrow(
      new RegExp(`${queue} \\(ready 0, in flight 1`),
    );
  });

  it('inspect and peek name unknown sources', () => {
    const { broker } = setup();
    expect(() => broker.inspect('missing')).toThrow(/has no queue 'missing'/);
    expect(() => broker.peekDeadLetters({ topic: 't', subscription: 's' })).toThrow(
      /has no subscription 't\/s'/,
    );
  });
});

describe('virtual clock', () => {
  it('fires due timers in time order with now() at their due time', () => {
    const clock = createVirtualClock({ start: 1_000 });
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    const cancelled = clock.setTimer(() => fired.push('never'), 15);
    clock.setTimer(() => {
      fired.push(`c@${clock.now()}`);
      clock.setTimer(() => fired.push(`d@${clock.now()}`), 5);
    }, 30);
    clock.clearTimer(cancelled);
    expect(clock.pendingTimers).toBe(3);
    clock.advance(25);
    expect(fired).toEqual(['a@1010', 'b@1020']);
    expect(clock.now()).toBe(1_025);
    expect(clock.runAll()).toBe(10);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1030', 'd@1035']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects moving backwards or by nonsense', () => {
    const clock = createVirtualClock();
    expect(() => clock.advance(-1)).toThrow(/ms >= 0/);
    expect(() => clock.advance(Number.NaN)).toThrow(/ms >= 0/);
  });
});
