// End to end on the in-repo Service Bus emulator: startLocalServiceBusTrigger receives in peek-lock
// and invokes createServiceBusTriggerHandler as the Functions host does (completing when it returns,
// abandoning when it throws); Service Bus's own MaxDeliveryCount does the dead-lettering.
import { ServiceBusClient } from '@azure/service-bus';
import { uniqueName, waitFor } from '@omnibus/contract-tests';
import { type Bus, createBus, defineConsumer, PermanentError } from '@omnibus/core';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createServiceBusTriggerHandler,
  type LocalServiceBusTrigger,
  startLocalServiceBusTrigger,
} from '../src/functions/index.js';
import { createAzureServiceBusTransport, emulatorAdministration } from '../src/index.js';

let emulator: ServiceBusEmulator;
let client: ServiceBusClient;
let bus: Bus;
const triggers: LocalServiceBusTrigger[] = [];

beforeAll(async () => {
  emulator = await startServiceBusEmulator({ port: 0 });
  client = new ServiceBusClient(emulator.connectionString);
  bus = await createBus({
    transport: createAzureServiceBusTransport({
      connectionString: emulator.connectionString,
      administration: emulatorAdministration(emulator),
      provision: 'never',
    }),
    source: 'trigger-e2e',
  });
});
afterAll(async () => {
  await Promise.all(triggers.map((each) => each.stop()));
  await bus?.close();
  await client?.close();
  await emulator?.close();
});

const fast = { attempts: 3, backoff: { initialMs: 20, maxMs: 20, jitter: false } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function queue(label: string) {
  const name = uniqueName(label);
  emulator.createQueue(name, { maxDeliveryCount: 3, lockDurationMs: 30_000 });
  return name;
}

function drive(options: Parameters<typeof startLocalServiceBusTrigger>[0]) {
  const local = startLocalServiceBusTrigger({ maxWaitTimeInMs: 200, ...options });
  triggers.push(local);
  return local;
}

describe.concurrent('Service Bus trigger on the emulator into createServiceBusTriggerHandler', () => {
  it('completes a handled message: handled once, nothing left in the queue or its dead letters', async () => {
    const name = queue('ack');
    const seen: unknown[] = [];
    const definition = defineConsumer(name, async (message) => {
      seen.push(message.data);
    });
    drive({ client, queueName: name, handler: createServiceBusTriggerHandler(definition, { bus }) });
    await bus.producer(name).send({ type: 'ReserveStock', data: { sku: 'a-1' } });
    await waitFor(() => seen.length === 1, 'the invocation', 10_000);
    await sleep(500);
    expect(seen).toEqual([{ sku: 'a-1' }]);
    expect(emulator.countMessages(name)).toMatchObject({ active: 0, locked: 0 });
    expect(emulator.countMessages(`${name}/$DeadLetterQueue`).active).toBe(0);
  });

  it('abandons a failed attempt: redelivered with deliveryCount as the attempt, until it succeeds', async () => {
    const name = queue('retry');
    const attempts: number[] = [];
    const definition = defineConsumer(
      name,
      async (message) => {
        attempts.push(message.attempt);
        if (attempts.length < 3) throw new Error('flaky');
      },
      { retry: fast },
    );
    drive({ client, queueName: name, handler: createServiceBusTriggerHandler(definition, { bus }) });
    await bus.producer(name).send({ type: 'ReserveStock', data: 1 });
    await waitFor(() => attempts.length === 3, 'two redeliveries', 10_000);
    await sleep(500);
    expect(attempts).toEqual([1, 2, 3]);
    expect(emulator.countMessages(name)).toMatchObject({ active: 0, locked: 0 });
    expect(emulator.countMessages(`${name}/$DeadLetterQueue`).active).toBe(0);
  });

  it('dead-letters at MaxDeliveryCount (= retry.attempts) a message that keeps failing', async () => {
    const name = queue('dead');
    const attempts: number[] = [];
    const definition = defineConsumer(
      name,
      async (message) => {
        attempts.push(message.attempt);
        throw new Error('payment provider down');
      },
      { retry: fast },
    );
    drive({ client, queueName: name, handler: createServiceBusTriggerHandler(definition, { bus }) });
    await bus.producer(name).send({ type: 'ChargePayment', data: { orderId: 'o-1' } });
    await waitFor(
      () => emulator.countMessages(`${name}/$DeadLetterQueue`).active === 1,
      'the dead letter',
      10_000,
    );
    expect(attempts).toEqual([1, 2, 3]);
    const letters = await bus.deadLetters(name).peek();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.data).toEqual({ orderId: 'o-1' });
    expect(letters[0]!.failure.reason).toMatch(/^MaxDeliveryCountExceeded/);
    expect(letters[0]!.failure.attempts).toBe(3);
  });

  it('runs a PermanentError once; its redeliveries fail at once until Service Bus dead-letters it', async () => {
    const name = queue('permanent');
    let calls = 0;
    const definition = defineConsumer(
      name,
      async () => {
        calls++;
        throw new PermanentError('order is malformed');
      },
      { retry: { attempts: 5 } },
    );
    const local = drive({
      client,
      queueName: name,
      handler: createServiceBusTriggerHandler(definition, { bus }),
    });
    await bus.producer(name).send({ type: 'ChargePayment', data: 1 });
    await waitFor(
      () => emulator.countMessages(`${name}/$DeadLetterQueue`).active === 1,
      'the dead letter',
      10_000,
    );
    expect(calls).toBe(1);
    expect(local.invocations).toBe(3);
  });

  it('on a topic subscription with cardinality many, a failed message fails its batch and the others are not run again', async () => {
    const topic = uniqueName('topic');
    emulator.createTopic(topic);
    emulator.createSubscription(topic, 'stock', { maxDeliveryCount: 3 });
    const runs: string[] = [];
    const definition = defineConsumer<{ n: number }>(
      { topic, subscription: 'stock' },
      async (message) => {
        runs.push(`${message.data.n}@${message.attempt}`);
        if (message.data.n === 2 && message.attempt === 1) throw new Error('flaky');
      },
      { retry: fast },
    );
    await bus.topic(topic).publish([1, 2, 3].map((n) => ({ type: 'OrderPlaced', data: { n } })));
    const local = drive({
      client,
      topicName: topic,
      subscriptionName: 'stock',
      cardinality: 'many',
      handler: createServiceBusTriggerHandler(definition, { bus }),
    });
    await waitFor(() => runs.includes('2@2'), 'the redelivered batch', 10_000);
    await sleep(500);
    expect(runs.sort()).toEqual(['1@1', '2@1', '2@2', '3@1']);
    expect(local.invocations).toBe(2);
    expect(emulator.countMessages(`${topic}/Subscriptions/stock`)).toMatchObject({ active: 0, locked: 0 });
  });
});
