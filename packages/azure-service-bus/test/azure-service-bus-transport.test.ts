import { ServiceBusClient } from '@azure/service-bus';
import { collect, uniqueName, waitFor } from '@omnibus/contract-tests';
import { createBus } from '@omnibus/core';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureServiceBusTransport, emulatorAdministration } from '../src/index.js';

// Service Bus specifics the portable suite cannot see, through the real SDK on the in-repo emulator.
let emulator: ServiceBusEmulator;
let raw: ServiceBusClient;

beforeAll(async () => {
  emulator = await startServiceBusEmulator({ port: 0 });
  raw = new ServiceBusClient(emulator.connectionString);
});

afterAll(async () => {
  await raw?.close();
  await emulator?.close();
});

const openBus = (source = 'asb-tests') =>
  createBus({
    transport: createAzureServiceBusTransport({
      connectionString: emulator.connectionString,
      administration: emulatorAdministration(emulator),
    }),
    source,
  });

describe.concurrent('azure-service-bus transport on the emulator', () => {
  it('routes an exactly expressible rule with ForwardTo, without the bus that put it', async () => {
    const queue = uniqueName('forwarded');
    const ruler = await openBus();
    await ruler.rule(uniqueName('rule'), { pattern: { type: ['Routed'] }, target: { queue } });
    await ruler.close();

    const bus = await openBus();
    const received = collect();
    await bus.consumer(queue, received.handler).start();
    await bus.emit([
      { type: 'Routed', data: 1 },
      { type: 'Other', data: 2 },
    ]);
    await waitFor(() => received.count() === 1, 'the routed event', 5_000);
    expect(received.messages[0]!.type).toBe('Routed');
    await bus.close();
  });

  it('relays a pattern on data with the exact check', async () => {
    const queue = uniqueName('relayed');
    const bus = await openBus();
    const received = collect<{ amount: number }>();
    await bus.consumer(queue, received.handler).start();
    await bus.rule(uniqueName('rule'), {
      pattern: { type: ['Paid'], data: { amount: [{ numeric: ['>=', 100] }] } },
      target: { queue },
    });
    await bus.emit([
      { type: 'Paid', data: { amount: 50 } },
      { type: 'Paid', data: { amount: 150 } },
    ]);
    await waitFor(() => received.count() === 1, 'the matching event', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.messages.map((message) => message.data.amount)).toEqual([150]);
    await bus.close();
  });

  it('maps subscription names over 50 characters deterministically', async () => {
    const topic = uniqueName('long-topic');
    const name = `${uniqueName('subscription')}-${'x'.repeat(60)}`;
    const bus = await openBus();
    const received = collect();
    const subscription = bus.topic(topic).subscribe(name, received.handler);
    await subscription.start();
    await bus.topic(topic).publish({ type: 'Long', data: null });
    await waitFor(() => received.count() === 1, 'the published message', 5_000);
    await bus.close();
  });

  it('dead-letters natively with reason and description, keeping the id', async () => {
    const queue = uniqueName('native-dlq');
    const bus = await openBus();
    await bus
      .consumer(
        queue,
        () => {
          throw new Error('no stock');
        },
        { retry: { attempts: 1 } },
      )
      .start();
    const id = `id-${uniqueName('m')}`;
    await bus.producer(queue).send({ id, type: 'Reserve', data: null });
    const receiver = raw.createReceiver(queue, { subQueueType: 'deadLetter', skipParsingBodyAsJson: true });
    const [dead] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead?.messageId).toBe(id);
    expect(dead?.deadLetterReason).toBe('Error');
    expect(dead?.deadLetterErrorDescription).toBe('no stock');
    expect(dead?.applicationProperties?.['omnibus-error']).toBe('Error: no stock');
    await receiver.close();
    await bus.close();
  });

  it('reads dead letters Service Bus moved itself (MaxDeliveryCount) with failure headers', async () => {
    const queue = uniqueName('max-delivery');
    const bus = await openBus();
    // The consumer's two attempts become the queue's MaxDeliveryCount.
    const creator = bus.consumer(queue, () => {}, { retry: { attempts: 2 } });
    await creator.start();
    await creator.stop();
    await bus.producer(queue).send({ type: 'Crashing', data: null });
    const receiver = raw.createReceiver(queue);
    for (let delivery = 0; delivery < 2; delivery++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      await receiver.abandonMessage(message!);
    }
    await receiver.close();
    const dead = collect();
    await bus.deadLetters(queue).consume(dead.handler).start();
    await waitFor(() => dead.count() === 1, 'the dead letter', 5_000);
    expect(dead.messages[0]!.headers['omnibus-error']).toMatch(/MaxDeliveryCountExceeded/);
    expect(dead.messages[0]!.headers['omnibus-failed-queue']).toBe(queue);
    await bus.close();
  });
});
