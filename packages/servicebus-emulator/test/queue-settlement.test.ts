import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScenarioEnvironment, type ScenarioEnvironment } from './support/scenario-environment.js';

const queue = 'scenario-queue';

describe('queue settlement through @azure/service-bus', () => {
  let environment: ScenarioEnvironment;

  beforeAll(async () => {
    environment = await createScenarioEnvironment();
  });
  afterAll(async () => {
    await environment.close();
  });
  beforeEach(async () => {
    await environment.purge(queue);
  });

  it('sends single and batched messages and completes them in order', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages({
      body: { n: 1 },
      messageId: 'first',
      applicationProperties: { big: 2 ** 40, ratio: 0.5 },
    });
    await sender.sendMessages([{ body: 'second' }, { body: 'third' }]);
    const batch = await sender.createMessageBatch();
    expect(batch.tryAddMessage({ body: 'fourth' })).toBe(true);
    await sender.sendMessages(batch);
    const receiver = environment.client.createReceiver(queue);
    const messages = await receiver.receiveMessages(4, { maxWaitTimeInMs: 2_000 });
    expect(messages.map((message) => message.body)).toEqual([{ n: 1 }, 'second', 'third', 'fourth']);
    expect(messages[0]!.messageId).toBe('first');
    expect(messages[0]!.applicationProperties).toEqual({ big: 2 ** 40, ratio: 0.5 });
    for (const message of messages) {
      expect(message.deliveryCount).toBe(0);
      expect(message.messageId).toBeTruthy();
      expect(message.lockToken).toMatch(/^[0-9a-f-]{36}$/);
      expect(message.enqueuedTimeUtc).toBeInstanceOf(Date);
      expect(message.lockedUntilUtc).toBeInstanceOf(Date);
      await receiver.completeMessage(message);
    }
    const sequenceNumbers = messages.map((message) => message.sequenceNumber!.toNumber());
    expect([...sequenceNumbers].sort((a, b) => a - b)).toEqual(sequenceNumbers);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('redelivers an abandoned message with its delivery count raised and properties changed', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages({ body: 'retry me' });
    const receiver = environment.client.createReceiver(queue);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await receiver.abandonMessage(first!, { attempt: 'one' });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(second!.body).toBe('retry me');
    expect(second!.deliveryCount).toBe(1);
    expect(second!.applicationProperties).toEqual({ attempt: 'one' });
    await receiver.completeMessage(second!);
    await receiver.close();
    await sender.close();
  });

  it('dead-letters explicitly with reason and description, and automatically at MaxDeliveryCount', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages([{ body: 'poison' }, { body: 'hopeless' }]);
    const receiver = environment.client.createReceiver(queue);
    const [poison, hopeless] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    await receiver.deadLetterMessage(poison!, {
      deadLetterReason: 'Invalid',
      deadLetterErrorDescription: 'no schema',
    });
    await receiver.abandonMessage(hopeless!);
    for (let attempt = 1; attempt < 3; attempt++) {
      const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      expect(again!.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(again!);
    }
    const deadLetters = environment.client.createReceiver(queue, { subQueueType: 'deadLetter' });
    const dead = await deadLetters.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(
      dead.map((message) => [message.body, message.deadLetterReason, message.deadLetterErrorDescription]),
    ).toEqual([
      ['poison', 'Invalid', 'no schema'],
      ['hopeless', 'MaxDeliveryCountExceeded', expect.stringContaining('3')],
    ]);
    for (const message of dead) await deadLetters.completeMessage(message);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('defers a message and settles it after receiving it by sequence number', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages({ body: 'later' });
    const receiver = environment.client.createReceiver(queue);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    const sequenceNumber = message!.sequenceNumber!;
    await receiver.deferMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber });
    expect(peeked!.state).toBe('deferred');
    const [deferred] = await receiver.receiveDeferredMessages(sequenceNumber);
    expect(deferred!.body).toBe('later');
    await receiver.completeMessage(deferred!);
    expect(await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('receives and deletes without locks', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const receiver = environment.client.createReceiver(queue, { receiveMode: 'receiveAndDelete' });
    const messages = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2_000 });
    expect(messages.map((message) => message.body)).toEqual([1, 2, 3]);
    expect(messages.every((message) => message.lockToken === undefined)).toBe(true);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('streams with subscribe() past the 2,048-delivery session buffer', async () => {
    const sender = environment.client.createSender(queue);
    const total = 2_100;
    for (let start = 0; start < total; start += 300) {
      await sender.sendMessages(
        Array.from({ length: Math.min(300, total - start) }, (_, index) => ({ body: start + index })),
      );
    }
    const receiver = environment.client.createReceiver(queue);
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe(
        {
          async processMessage(message) {
            seen.push(message.body as number);
            if (seen.length === total) {
              await subscription.close();
              resolve();
            }
          },
          async processError(args) {
            reject(args.error);
          },
        },
        { maxConcurrentCalls: 50 },
      );
    });
    expect(new Set(seen).size).toBe(total);
    await receiver.close();
    await sender.close();
  });

  it('peeks without locking or counting deliveries', async () => {
    const sender = environment.client.createSender(queue);
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }]);
    const receiver = environment.client.createReceiver(queue);
    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((message) => message.body)).toEqual(['a', 'b']);
    const received = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(received.map((message) => message.deliveryCount)).toEqual([0, 0]);
    for (const message of received) await receiver.completeMessage(message);
    await receiver.close();
    await sender.close();
  });

  it('reports an unknown entity as MessagingEntityNotFound', async () => {
    const sender = environment.client.createSender('no-such-queue');
    await expect(sender.sendMessages({ body: 'x' })).rejects.toMatchObject({
      code: 'MessagingEntityNotFound',
    });
    await sender.close();
  });
});
