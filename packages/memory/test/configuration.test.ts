import { ConfigurationError } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import {
  createMemoryBroker,
  createMemoryTransport,
  createVirtualClock,
  getMemoryBroker,
  systemClock,
  transportFactory,
} from '../src/index.js';
import { consumeOptions, encoded, everyEvent, recorder, rule, unique } from './support.js';

describe('memory transport configuration', () => {
  it('declares its contract version and capabilities', () => {
    const transport = createMemoryTransport({ broker: createMemoryBroker() });
    expect(transport.specificationVersion).toBe('v1');
    expect(transport.name).toBe('memory');
    expect(transport.capabilities).toEqual({
      delay: { maxMs: 2_147_483_647, mode: 'native' },
      ordering: 'key',
      maxMessageBytes: 262_144,
      maxBatchSize: 10_000,
      deadLetter: 'native',
      rules: 'native',
      retryDelay: { maxMs: 2_147_483_647 },
      deadLetterManagement: { count: 'exact', peek: 'browse', redriveToSubscription: true },
    });
  });

  it('reports every invalid option at once', () => {
    const attempt = () =>
      createMemoryTransport({
        maxMessageBytes: 0,
        visibilityTimeoutMs: -1,
        provision: 'sometimes' as 'auto',
        broker: {} as never,
        clock: systemClock,
        colour: 'red',
      } as never);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/maxMessageBytes.*visibilityTimeoutMs.*provision.*either broker or clock/s);
    expect(attempt).toThrow(/unknown option 'colour'/);
  });

  it('uses the process-wide broker by default, the one memory:// names', async () => {
    const queue = unique('default-broker');
    const fromUrl = await transportFactory('memory://', { provision: 'auto' });
    await createMemoryTransport().send(queue, [encoded()], {});
    expect(getMemoryBroker().inspect(queue).ready).toBe(1);
    await fromUrl.send(queue, [encoded()], {});
    expect(getMemoryBroker('default').inspect(queue).ready).toBe(2);
  });

  it('keeps memory://<name> brokers apart', async () => {
    const queue = unique('named-broker');
    const billing = await transportFactory(`memory://${unique('billing')}`, { provision: 'auto' });
    const other = await transportFactory(`memory://${unique('other')}`, { provision: 'auto' });
    const seen = recorder();
    await other.consume({ kind: 'queue', queue }, seen.handler, consumeOptions);
    await billing.send(queue, [encoded()], {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.deliveries).toHaveLength(0);
  });

  it('reads options from the URL', async () => {
    const transport = await transportFactory(
      'memory://url-options?maxMessageBytes=1024&visibilityTimeoutMs=10',
      { provision: 'auto' },
    );
    expect(transport.capabilities.maxMessageBytes).toBe(1_024);
  });

  it.each([
    ['memory://x?maxMessageBytes=big', /maxMessageBytes must be a number/],
    ['memory://x?maxMessageBytes=-5', /maxMessageBytes must be a positive integer/],
    ['memory://x?colour=red', /unknown parameter 'colour'/],
    ['memory://user:secret@x', /credentials/],
    ['memory://x:5672', /port/],
    ['memory://x/path', /path/],
    ['amqp://x', /scheme must be memory:/],
    ['not a url', /not a valid memory transport URL/],
  ])('rejects %s with a ConfigurationError', async (url, message) => {
    expect(() => transportFactory(url, { provision: 'auto' })).toThrow(ConfigurationError);
    expect(() => transportFactory(url, { provision: 'auto' })).toThrow(message);
  });

  it('never echoes a password from the URL', () => {
    expect(() => transportFactory('memory://user:hunter2@x', { provision: 'auto' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it("with provision 'never' fails naming what is missing, and works once it is created", async () => {
    const broker = createMemoryBroker({ clock: createVirtualClock() });
    const transport = createMemoryTransport({ broker, provision: 'never' });
    const queue = unique('orders');
    const topic = unique('notifications');

    await expect(transport.send(queue, [encoded()], {})).rejects.toThrow(
      new RegExp(`queue '${queue}' does not exist`),
    );
    await expect(transport.publish(topic, [encoded()], {})).rejects.toThrow(
      new RegExp(`topic '${topic}' does not exist`),
    );
    await expect(
      transport.consume(
        { kind: 'subscription', topic, subscription: 'email' },
        async () => {},
        consumeOptions,
      ),
    ).rejects.toThrow(ConfigurationError);
    const definition = rule(unique('rule'), { queue }, everyEvent);
    await expect(transport.putRule(definition)).rejects.toThrow(/rule '.*' does not exist/);

    broker.createQueue(queue);
    broker.createSubscription(topic, 'email');
    broker.putRule(definition);
    await transport.send(queue, [encoded()], {});
    await transport.publish(topic, [encoded()], {});
    await transport.putRule(definition);
    await transport.consume(
      { kind: 'subscription', topic, subscription: 'email' },
      async () => {},
      consumeOptions,
    );
    await transport.consume(
      { kind: 'dead-letter', of: { kind: 'queue', queue } },
      async () => {},
      consumeOptions,
    );
    await expect(
      transport.consume({ kind: 'subscription', topic, subscription: 'sms' }, async () => {}, consumeOptions),
    ).rejects.toThrow(/subscription 'sms' of topic/);
  });

  it('rejects bad consume options', async () => {
    const transport = createMemoryTransport({ broker: createMemoryBroker() });
    await expect(
      transport.consume({ kind: 'queue', queue: 'q' }, async () => {}, { ...consumeOptions, concurrency: 0 }),
    ).rejects.toThrow(/concurrency must be an integer >= 1/);
  });

  it('rejects a delay past its maximum with UnsupportedFeatureError', async () => {
    const transport = createMemoryTransport({ broker: createMemoryBroker() });
    await expect(transport.send('q', [encoded()], { delayMs: 2_147_483_648 })).rejects.toMatchObject({
      name: 'UnsupportedFeatureError',
    });
  });
});
