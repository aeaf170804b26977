import type { EventPattern } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import { consumeOptions, encoded, everyEvent, recorder, rule, setup, unique } from './support.js';

const subscriptionRef = (topic: string, subscription: string) =>
  ({ kind: 'subscription', topic, subscription }) as const;

describe('memory topics', () => {
  it('fans a publish out to every subscription', async () => {
    const { broker, transport } = setup();
    const topic = unique('fan-out');
    const email = recorder();
    const sms = recorder();
    await transport.consume(subscriptionRef(topic, 'email'), email.handler, consumeOptions);
    await transport.consume(subscriptionRef(topic, 'sms'), sms.handler, consumeOptions);
    const message = encoded({ data: 'hello' });
    await transport.publish(topic, [message], {});
    await broker.waitForIdle();
    expect(email.deliveries.map((delivery) => delivery.message.id)).toEqual([message.id]);
    expect(sms.deliveries.map((delivery) => delivery.message.id)).toEqual([message.id]);
  });

  it('keeps what is published while a subscription is stopped, and nothing from before it existed', async () => {
    const { broker, transport } = setup();
    const topic = unique('durable');
    await transport.publish(topic, [encoded({ data: 'before' })], {});

    const first = recorder();
    const subscription = await transport.consume(
      subscriptionRef(topic, 'audit'),
      first.handler,
      consumeOptions,
    );
    await transport.publish(topic, [encoded({ data: 'first' })], {});
    await broker.waitForIdle();
    await subscription.stop();

    await transport.publish(topic, [encoded({ data: 'while-stopped' })], {});
    expect(broker.inspect({ topic, subscription: 'audit' })).toMatchObject({ ready: 1, consumers: 0 });

    const second = recorder();
    await transport.consume(subscriptionRef(topic, 'audit'), second.handler, consumeOptions);
    await broker.waitForIdle();
    expect(first.data()).toEqual(['first']);
    expect(second.data()).toEqual(['while-stopped']);
  });

  it('keeps dead letters per subscription', async () => {
    const { broker, transport } = setup();
    const topic = unique('sub-dlq');
    await transport.consume(
      subscriptionRef(topic, 'a'),
      (delivery) => delivery.deadLetter({ reason: 'bad', headers: { why: 'bad' } }),
      consumeOptions,
    );
    await transport.consume(subscriptionRef(topic, 'b'), (delivery) => delivery.ack(), consumeOptions);
    await transport.publish(topic, [encoded({ data: 1 })], {});
    await broker.waitForIdle();
    expect(broker.peekDeadLetters({ topic, subscription: 'a' }).map((dead) => dead.headers)).toEqual([
      { why: 'bad' },
    ]);
    expect(broker.inspect({ topic, subscription: 'b' }).deadLetters).toBe(0);

    const inspector = recorder();
    await transport.consume(
      { kind: 'dead-letter', of: subscriptionRef(topic, 'a') },
      inspector.handler,
      consumeOptions,
    );
    await broker.waitForIdle();
    expect(inspector.data()).toEqual([1]);
  });
});

describe('memory rules', () => {
  const isLarge: EventPattern = { type: ['PaymentFailed'], data: { amount: [{ numeric: ['>=', 1_000] }] } };

  it('routes an event to the target of every rule it matches, once per rule, and nowhere else', async () => {
    const { broker, transport } = setup();
    const alerts = unique('alerts');
    const audit = unique('audit');
    const topic = unique('payments');
    await transport.putRule(rule(unique('large'), { queue: alerts }, isLarge));
    await transport.putRule(rule(unique('all-failed'), { queue: audit }, { type: ['PaymentFailed'] }));
    await transport.putRule(rule(unique('to-topic'), { topic }, { type: ['PaymentFailed'] }));
    const listener = recorder();
    await transport.consume(subscriptionRef(topic, 'listener'), listener.handler, consumeOptions);

    const large = encoded({ type: 'PaymentFailed', data: { amount: 1_250 } });
    const small = encoded({ type: 'PaymentFailed', data: { amount: 5 } });
    const other = encoded({ type: 'PaymentAuthorized', data: { amount: 5_000 } });
    await transport.emit([large, small, other]);
    await broker.waitForIdle();

    expect(broker.peek(alerts).map((message) => message.id)).toEqual([large.id]);
    expect(broker.peek(audit).map((message) => message.id)).toEqual([large.id, small.id]);
    expect(listener.deliveries.map((delivery) => delivery.message.id)).toEqual([large.id, small.id]);
  });

  it('delivers twice to a queue that two matching rules target', async () => {
    const { broker, transport } = setup();
    const queue = unique('twice');
    await transport.putRule(rule(unique('one'), { queue }, everyEvent));
    await transport.putRule(rule(unique('two'), { queue }, everyEvent));
    await transport.emit([encoded()]);
    expect(broker.inspect(queue).ready).toBe(2);
  });

  it('routes by thousands of rules, each matching event to each matching rule once', async () => {
    const { broker, transport } = setup();
    const queues = [unique('even'), unique('odd')];
    for (let index = 0; index < 2_000; index++) {
      const pattern = { type: [`Type${index}`], data: { region: ['eu', 'us'] } };
      await transport.putRule(rule(unique(`rule-${index}`), { queue: queues[index % 2]! }, pattern));
    }
    const catchAll = unique('all');
    await transport.putRule(
      rule(unique('catch-all'), { queue: catchAll }, { data: { region: [{ prefix: 'e' }] } }),
    );
    await transport.deleteRule(`no-such-rule-${unique('x')}`);
    const events = [
      encoded({ type: 'Type10', data: { region: 'eu' } }),
      encoded({ type: 'Type11', data: { region: 'us' } }),
      encoded({ type: 'Type12', data: { region: 'asia' } }),
      encoded({ type: 'Type1999', data: { region: ['ap', 'eu'] } }),
    ];
    await transport.emit(events);
    expect(broker.peek(queues[0]!).map((message) => message.id)).toEqual([events[0]!.id]);
    expect(broker.peek(queues[1]!).map((message) => message.id)).toEqual([events[1]!.id, events[3]!.id]);
    expect(broker.peek(catchAll).map((message) => message.id)).toEqual([events[0]!.id, events[3]!.id]);
  });

  it('refuses an invalid pattern when the rule is put', async () => {
    const { transport } = setup();
    const valid = rule(unique('invalid'), { queue: unique('q') }, everyEvent);
    await expect(
      transport.putRule({ ...valid, pattern: { type: [] } as unknown as EventPattern }),
    ).rejects.toMatchObject({ name: 'InvalidPatternError' });
  });

  it('updates and deletes rules', async () => {
    const { broker, transport } = setup();
    const name = unique('rule');
    const first = unique('first');
    const second = unique('second');
    await transport.putRule(rule(name, { queue: first }, everyEvent));
    await transport.putRule(rule(name, { queue: first }, everyEvent)); // same definition: no-op
    await transport.emit([encoded({ data: 1 })]);
    await transport.putRule(rule(name, { queue: second }, everyEvent));
    await transport.emit([encoded({ data: 2 })]);
    await transport.deleteRule(name);
    await transport.deleteRule(name);
    await transport.emit([encoded({ data: 3 })]);
    expect(broker.peek(first).map((message) => message.data)).toEqual([1]);
    expect(broker.peek(second).map((message) => message.data)).toEqual([2]);
  });

  it('shares rules between transports on one broker', async () => {
    const { broker, transport } = setup();
    const { createMemoryTransport } = await import('../src/index.js');
    const other = createMemoryTransport({ broker });
    const queue = unique('shared');
    await transport.putRule(rule(unique('shared-rule'), { queue }, everyEvent));
    await other.emit([encoded()]);
    expect(broker.inspect(queue).ready).toBe(1);
  });

  it('rejects an undecodable event before routing any of the batch', async () => {
    const { broker, transport } = setup();
    const queue = unique('undecodable');
    await transport.putRule(rule(unique('any'), { queue }, everyEvent));
    const broken = { ...encoded(), body: new TextEncoder().encode('{not json') };
    await expect(transport.emit([encoded(), broken])).rejects.toMatchObject({ name: 'DecodeError' });
    expect(broker.inspect(queue).ready).toBe(0);
  });
});
