import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScenarioEnvironment, type ScenarioEnvironment } from './support/scenario-environment.js';

const topic = 'scenario-topic';
const subscriptions = ['everything', 'urgent', 'europe', 'managed-rules'];
const path = (subscription: string) => `${topic}/Subscriptions/${subscription}`;

describe('topics, subscriptions, rules and forwarding', () => {
  let environment: ScenarioEnvironment;

  const receiveAll = async (subscription: string, expected: number) => {
    const receiver = environment.client.createReceiver(topic, subscription, {
      receiveMode: 'receiveAndDelete',
    });
    const messages = await receiver.receiveMessages(Math.max(expected, 1), {
      maxWaitTimeInMs: expected ? 1_500 : 300,
    });
    await receiver.close();
    return messages;
  };

  beforeAll(async () => {
    environment = await createScenarioEnvironment();
  });
  afterAll(async () => {
    await environment.close();
  });
  beforeEach(async () => {
    await environment.purge(...subscriptions.map(path), 'scenario-forward-target');
  });

  it('fans out through $Default, SQL and correlation filters, applying the SQL action', async () => {
    const sender = environment.client.createSender(topic);
    await sender.sendMessages([
      {
        body: 'urgent-eu',
        subject: 'order-placed',
        applicationProperties: { priority: 9, region: 'eu', internalNote: 'x' },
      },
      { body: 'calm-eu', subject: 'order-placed', applicationProperties: { priority: 1, region: 'eu' } },
      { body: 'urgent-us', subject: 'order-cancelled', applicationProperties: { priority: 7, region: 'us' } },
      { body: 'no-priority', subject: 'order-placed' },
    ]);
    const everything = await receiveAll('everything', 4);
    expect(everything.map((message) => message.body)).toEqual([
      'urgent-eu',
      'calm-eu',
      'urgent-us',
      'no-priority',
    ]);
    const urgent = await receiveAll('urgent', 2);
    expect(urgent.map((message) => message.body)).toEqual(['urgent-eu', 'urgent-us']);
    expect(urgent[0]!.applicationProperties).toEqual({ priority: 9, region: 'eu', routedBy: 'urgent-only' });
    const europe = await receiveAll('europe', 2);
    expect(europe.map((message) => message.body)).toEqual(['urgent-eu', 'calm-eu']);
    expect(europe[0]!.applicationProperties?.internalNote).toBe('x');
    await sender.close();
  });

  it('adds, lists and removes rules through the rule manager', async () => {
    const rules = environment.client.createRuleManager(topic, 'managed-rules');
    await rules.deleteRule('$Default');
    await rules.createRule(
      'blue',
      { sqlExpression: "color = 'blue' OR color IS NULL" },
      { sqlExpression: 'SET hue = 1' },
    );
    await rules.createRule('by-correlation', { correlationId: 'c-1', applicationProperties: { size: 3 } });
    const listed = [];
    for await (const rule of rules.listRules()) listed.push(rule);
    expect(listed.map((rule) => rule.name).sort()).toEqual(['blue', 'by-correlation']);
    const blue = listed.find((rule) => rule.name === 'blue')!;
    expect(blue.filter).toEqual({ sqlExpression: "color = 'blue' OR color IS NULL" });
    expect(blue.action).toEqual({ sqlExpression: 'SET hue = 1' });
    const byCorrelation = listed.find((rule) => rule.name === 'by-correlation')!;
    expect(byCorrelation.filter).toMatchObject({ correlationId: 'c-1', applicationProperties: { size: 3 } });
    await expect(rules.createRule('blue', { sqlExpression: '1=1' })).rejects.toMatchObject({
      code: 'MessagingEntityAlreadyExists',
    });

    const sender = environment.client.createSender(topic);
    await sender.sendMessages([
      { body: 'blue', applicationProperties: { color: 'blue' } },
      { body: 'red', applicationProperties: { color: 'red' } },
      { body: 'uncoloured' },
      { body: 'correlated', correlationId: 'c-1', applicationProperties: { size: 3, color: 'red' } },
    ]);
    const received = await receiveAll('managed-rules', 3);
    expect(received.map((message) => message.body)).toEqual(['blue', 'uncoloured', 'correlated']);
    expect(received[0]!.applicationProperties).toEqual({ color: 'blue', hue: 1 });

    await rules.deleteRule('blue');
    await rules.deleteRule('by-correlation');
    await rules.createRule('$Default', { sqlExpression: '1=1' });
    await sender.close();
  });

  it('auto-forwards from a queue with ForwardTo', async () => {
    const sender = environment.client.createSender('scenario-forwarding-queue');
    await sender.sendMessages({ body: 'passing through' });
    const receiver = environment.client.createReceiver('scenario-forward-target');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(message!.body).toBe('passing through');
    await receiver.completeMessage(message!);
    await receiver.close();
    await sender.close();
  });
});
