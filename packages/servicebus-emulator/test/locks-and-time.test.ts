import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScenarioEnvironment, type ScenarioEnvironment } from './support/scenario-environment.js';

const queue = 'scenario-queue';
const expiringQueue = 'scenario-expiring-queue';
const dedupQueue = 'scenario-dedup-queue';
/** scenario-queue's LockDuration (PT5S). */
const lockDurationMs = 5_000;
/** Lock renewal by the SDK would hide expiry; these receivers renew only when asked. */
const noAutoRenew = { maxAutoLockRenewalDurationInMs: 0 };

describe('locks, schedules, expiry and duplicate detection', () => {
  let environment: ScenarioEnvironment;

  beforeAll(async () => {
    environment = await createScenarioEnvironment();
  });
  afterAll(async () => {
    await environment.close();
  });
  beforeEach(async () => {
    await environment.purge(queue, expiringQueue, dedupQueue);
  });

  it('redelivers when a lock expires, and settling the stale lock fails with MessageLockLost', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages({ body: 'slow' });
    const receiver = environment.client.createReceiver(queue, noAutoRenew);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await environment.advanceTime(lockDurationMs + 1_000);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(second!.body).toBe('slow');
    expect(second!.deliveryCount).toBe(1);
    await expect(receiver.completeMessage(first!)).rejects.toMatchObject({ code: 'MessageLockLost' });
    await receiver.completeMessage(second!);
    await receiver.close();
    await sender.close();
  });

  it('keeps a renewed lock past its original expiry', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages({ body: 'renewed' });
    const receiver = environment.client.createReceiver(queue, noAutoRenew);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    const originalExpiry = message!.lockedUntilUtc!.getTime();
    await environment.advanceTime(lockDurationMs - 2_000);
    const renewedUntil = await receiver.renewMessageLock(message!);
    expect(renewedUntil.getTime()).toBeGreaterThan(originalExpiry);
    await environment.advanceTime(3_000);
    await receiver.completeMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('delivers scheduled messages when due and drops cancelled ones', async () => {
    const sender = environment.client.createSender(queue);
    const receiver = environment.client.createReceiver(queue);
    const now = environment.emulator ? environment.emulator.clock.now() : Date.now();
    const [kept, cancelled] = await sender.scheduleMessages(
      [{ body: 'kept' }, { body: 'cancelled' }],
      new Date(now + 10_000),
    );
    await sender.cancelScheduledMessages(cancelled!);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: kept! });
    expect(peeked!.state).toBe('scheduled');
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await environment.advanceTime(11_000);
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(messages.map((message) => message.body)).toEqual(['kept']);
    await receiver.completeMessage(messages[0]!);
    await receiver.close();
    await sender.close();
  });

  it('dead-letters expired messages when the entity asks for it', async () => {
    const sender = environment.client.createSender(expiringQueue);
    await sender.sendMessages([{ body: 'short-lived', timeToLive: 2_000 }, { body: 'long-lived' }]);
    await environment.advanceTime(3_000);
    const receiver = environment.client.createReceiver(expiringQueue);
    const live = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_500 });
    expect(live.map((message) => message.body)).toEqual(['long-lived']);
    await receiver.completeMessage(live[0]!);
    const deadLetters = environment.client.createReceiver(expiringQueue, { subQueueType: 'deadLetter' });
    const [expired] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(expired!.body).toBe('short-lived');
    expect(expired!.deadLetterReason).toBe('TTLExpiredException');
    await deadLetters.completeMessage(expired!);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('drops a duplicate message id within the detection window', async () => {
    const sender = environment.client.createSender(dedupQueue);
    const messageId = `dedup-${Date.now()}`;
    await sender.sendMessages({ body: 'original', messageId });
    await sender.sendMessages({ body: 'duplicate', messageId });
    await sender.sendMessages({ body: 'other', messageId: `${messageId}-other` });
    const receiver = environment.client.createReceiver(dedupQueue);
    const messages = await receiver.receiveMessages(3, { maxWaitTimeInMs: 1_500 });
    expect(messages.map((message) => message.body)).toEqual(['original', 'other']);
    for (const message of messages) await receiver.completeMessage(message);
    await receiver.close();
    await sender.close();
  });
});
