import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScenarioEnvironment, type ScenarioEnvironment } from './support/scenario-environment.js';

const queue = 'scenario-session-queue';
/** Unique per run, so leftovers on a real namespace never interfere. */
const sessionId = (name: string) => `${name}-${process.pid}-${Date.now()}`;

describe('sessions', () => {
  let environment: ScenarioEnvironment;

  beforeAll(async () => {
    environment = await createScenarioEnvironment();
  });
  afterAll(async () => {
    await environment.close();
  });

  it('delivers a named session in order, keeps its state, and refuses a second lock', async () => {
    const id = sessionId('named');
    const sender = environment.client.createSender(queue);
    await sender.sendMessages([1, 2, 3].map((n) => ({ body: n, sessionId: id })));
    const receiver = await environment.client.acceptSession(queue, id);
    expect(receiver.sessionId).toBe(id);
    expect(receiver.sessionLockedUntilUtc).toBeInstanceOf(Date);
    await expect(environment.client.acceptSession(queue, id)).rejects.toMatchObject({
      code: 'SessionCannotBeLocked',
    });
    const messages = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2_000 });
    expect(messages.map((message) => message.body)).toEqual([1, 2, 3]);
    expect(messages.every((message) => message.sessionId === id)).toBe(true);
    await receiver.setSessionState({ step: 3 });
    expect(await receiver.getSessionState()).toEqual({ step: 3 });
    const renewed = await receiver.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(0);
    for (const message of messages) await receiver.completeMessage(message);
    await receiver.setSessionState(null);
    await receiver.close();
    await sender.close();
  });

  it('accepts the next session with messages, waiting for one to arrive', async () => {
    const id = sessionId('next');
    const sender = environment.client.createSender(queue);
    const accepted = environment.client.acceptNextSession(queue);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sender.sendMessages({ body: 'wake up', sessionId: id });
    const receiver = await accepted;
    expect(receiver.sessionId).toBe(id);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(message!.body).toBe('wake up');
    await receiver.completeMessage(message!);
    await receiver.close();
    await sender.close();
  });

  it('gives up on accepting the next session when none arrives in time', async () => {
    const impatient = new ServiceBusClient(environment.connectionString, {
      retryOptions: { maxRetries: 0, timeoutInMs: 1_500 },
    });
    const started = Date.now();
    await expect(impatient.acceptNextSession(queue)).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000);
    await impatient.close();
  });

  it('rejects a message without a session id on a session queue', async () => {
    const sender = environment.client.createSender(queue);
    await expect(sender.sendMessages({ body: 'orphan' })).rejects.toBeDefined();
    await sender.close();
  });
});
