// The Azure Functions Service Bus trigger entry point of @omnibus/azure-service-bus/functions,
// invoked as the Node.js worker invokes a v4 handler: the body (parsed as JSON when it is), and an
// InvocationContext whose triggerMetadata follows the documented message metadata
// (fixtures/trigger-metadata*.json, from
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#message-metadata).
import { readFileSync } from 'node:fs';
import { InvocationContext, trigger } from '@azure/functions';
import {
  createBus,
  defineConsumer,
  InvocationFailedError,
  type Message,
  PermanentError,
} from '@omnibus/core';
import { encodeMessage } from '@omnibus/core/transport';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceBusTriggerHandler } from '../src/functions/index.js';
import { createAzureServiceBusTransport, emulatorAdministration } from '../src/index.js';
import { toServiceBusMessage } from '../src/wire-message.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const documented = fixture('trigger-metadata.json');
const documentedBatch = fixture('trigger-metadata-many.json');

/** An Omnibus message as the worker passes it: the parsed JSON body and its metadata fields. */
function delivered(type: string, data: unknown) {
  const native = toServiceBusMessage(encodeMessage({ type, data }, { source: 'trigger-tests' }));
  return {
    body: JSON.parse(Buffer.from(native.body as Buffer).toString('utf8')) as unknown,
    messageId: String(native.messageId),
    contentType: native.contentType,
    applicationProperties: native.applicationProperties ?? {},
  };
}

function contextFor(triggerMetadata: Record<string, unknown>, cardinality: 'one' | 'many' = 'one') {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'reserveStock',
    triggerMetadata,
    options: {
      trigger: trigger.serviceBusQueue({
        connection: 'ServiceBusConnection',
        queueName: 'stock.reserve',
        cardinality,
      }),
    },
    logHandler: () => undefined,
  });
}

/** The documented single-message metadata, carrying `message` at delivery `deliveryCount`. */
function single(message: ReturnType<typeof delivered>, deliveryCount = 1) {
  return contextFor({
    ...documented,
    messageId: message.messageId,
    contentType: message.contentType,
    deliveryCount,
    applicationProperties: message.applicationProperties,
    userProperties: message.applicationProperties,
  });
}

let emulator: ServiceBusEmulator;
let bus: Awaited<ReturnType<typeof createBus>>;
beforeAll(async () => {
  // Handlers send through a real bus; the trigger itself is invoked directly here.
  emulator = await startServiceBusEmulator({ port: 0 });
  bus = await createBus({
    transport: createAzureServiceBusTransport({
      connectionString: emulator.connectionString,
      administration: emulatorAdministration(emulator),
    }),
    source: 'trigger-tests',
  });
});
afterAll(async () => {
  await bus?.close();
  await emulator?.close();
});

const fast = { attempts: 3, backoff: { initialMs: 20, maxMs: 20, jitter: false } };

describe('createServiceBusTriggerHandler with the documented trigger metadata', () => {
  it('resolves (the host completes) for a handled message, with type, data and attempt 1', async () => {
    const seen: Message[] = [];
    const handler = createServiceBusTriggerHandler(
      defineConsumer('stock.reserve', async (message) => {
        seen.push(message);
      }),
      { bus },
    );
    const message = delivered('ReserveStock', { sku: 'a-1', quantity: 2 });
    await handler(message.body, single(message));
    expect(seen.map((each) => [each.type, each.data, each.attempt, each.id])).toEqual([
      ['ReserveStock', { sku: 'a-1', quantity: 2 }, 1, message.messageId],
    ]);
  });

  it('reads the attempt from deliveryCount, and throws (the host abandons) after the backoff while attempts remain', async () => {
    const attempts: number[] = [];
    const handler = createServiceBusTriggerHandler(
      defineConsumer(
        'stock.reserve',
        async (message) => {
          attempts.push(message.attempt);
          throw new Error('stock service down');
        },
        { retry: { attempts: 5, backoff: { initialMs: 300, maxMs: 300, jitter: false } } },
      ),
      { bus },
    );
    const message = delivered('ReserveStock', 1);
    const started = Date.now();
    await expect(handler(message.body, single(message, 2))).rejects.toSatisfy(
      InvocationFailedError.isInstance,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(attempts).toEqual([2]);
  });

  it('fails a PermanentError, and fails its redeliveries at once without the handler, until Service Bus dead-letters it', async () => {
    let calls = 0;
    const handler = createServiceBusTriggerHandler(
      defineConsumer(
        'stock.reserve',
        async () => {
          calls++;
          throw new PermanentError('unknown sku');
        },
        { retry: fast },
      ),
      { bus },
    );
    const message = delivered('ReserveStock', 1);
    const first = handler(message.body, single(message, 1));
    await expect(first).rejects.toThrow(/dead-lettered \(PermanentError: unknown sku\)/);
    await expect(handler(message.body, single(message, 2))).rejects.toSatisfy(
      InvocationFailedError.isInstance,
    );
    expect(calls).toBe(1);
  });

  it('fails the last attempt (deliveryCount = attempts), so MaxDeliveryCount = attempts dead-letters it', async () => {
    const handler = createServiceBusTriggerHandler(
      defineConsumer(
        'stock.reserve',
        async () => {
          throw new Error('still down');
        },
        { retry: fast },
      ),
      { bus },
    );
    const message = delivered('ReserveStock', 1);
    await expect(handler(message.body, single(message, 3))).rejects.toThrow(
      /dead-lettered \(Error: still down\)/,
    );
  });

  it('throws for an undecodable body without running the handler', async () => {
    let calls = 0;
    const handler = createServiceBusTriggerHandler(
      defineConsumer('stock.reserve', async () => {
        calls++;
      }),
      { bus },
    );
    await expect(
      handler('plain text', contextFor({ ...documented, contentType: 'text/plain', messageId: 'foreign-1' })),
    ).rejects.toThrow(/DecodeError/);
    expect(calls).toBe(0);
  });

  it('runs a batch (cardinality many) from the …Array metadata; one failure fails it, and the redelivered batch runs only that one', async () => {
    const runs: string[] = [];
    const handler = createServiceBusTriggerHandler(
      defineConsumer<{ n: number }>(
        'stock.reserve',
        async (message) => {
          runs.push(`${message.data.n}@${message.attempt}`);
          if (message.data.n === 2 && message.attempt === 1) throw new Error('flaky');
        },
        { retry: fast },
      ),
      { bus },
    );
    const messages = [1, 2, 3].map((n) => delivered('ReserveStock', { n }));
    const batch = (deliveryCount: number) =>
      contextFor(
        {
          ...documentedBatch,
          messageIdArray: messages.map((message) => message.messageId),
          deliveryCountArray: messages.map(() => deliveryCount),
          applicationPropertiesArray: messages.map((message) => message.applicationProperties),
          userPropertiesArray: messages.map((message) => message.applicationProperties),
        },
        'many',
      );
    const bodies = messages.map((message) => message.body);
    await expect(handler(bodies, batch(1))).rejects.toThrow(/1 of 3 messages were not done/);
    await handler(bodies, batch(2));
    expect(runs.sort()).toEqual(['1@1', '2@1', '2@2', '3@1']);
  });
});
