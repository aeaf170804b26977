import {
  FailureHeader,
  idempotency,
  MemoryIdempotencyStore,
  type Middleware,
  type RawMessage,
} from '@omnibus/core';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect } from 'vitest';
import { type Collector, collect } from '../harness.js';
import type { NativeClient, NativeMessage, ReceivedNativeMessage } from '../native-client.js';
import type { DefineScenario } from '../scenario.js';
import type { Scope } from '../scope.js';
import type { TransportContractOptions } from '../transport-contract-options.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;
const encoder = new TextEncoder();

/**
 * Messages from and to systems that are not Omnibus: foreign CloudEvents (built with the official
 * `cloudevents` SDK) in binary and structured content mode, plain JSON and bytes read with
 * `envelope: 'raw'`, and garbage, all sent with the broker's own client; and Omnibus messages read
 * with that client and turned into a CloudEvent by the SDK, whose validation must pass.
 */
export function interopSuite(scenario: DefineScenario, options: TransportContractOptions): void {
  async function nativeClient(scope: Scope): Promise<NativeClient> {
    const client = await options.createNativeClient!();
    scope.defer(() => client.close());
    return client;
  }

  function orderEvent(scope: Scope): CloudEvent<{ orderId: string; amount: number }> {
    return new CloudEvent({
      id: scope.id(),
      type: 'com.example.order.placed',
      source: '/ct/orders',
      subject: 'order-7',
      time: '2026-01-02T03:04:05.678Z',
      datacontenttype: 'application/json',
      data: { orderId: 'order-7', amount: 1250 },
      tenant: 'acme',
    });
  }

  /** The event in binary content mode, under the broker binding's prefix. */
  function binaryMode(event: CloudEvent<unknown>, client: NativeClient): NativeMessage {
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.toJSON())) {
      if (name === 'data' || value === undefined) continue;
      if (name === 'datacontenttype' && client.contentTypeIsNative) continue;
      attributes[client.cloudEventsPrefix + name] = String(value);
    }
    const message: NativeMessage = {
      attributes,
      body: encoder.encode(JSON.stringify(event.data)),
    };
    return client.contentTypeIsNative ? { ...message, contentType: event.datacontenttype! } : message;
  }

  describe('interoperability', () => {
    scenario(
      'interop.cloudevents-binary',
      'a CloudEvent in binary content mode from a foreign producer is handled once with its id, type, source and data',
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('ce-binary');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const event = orderEvent(scope);
        await client.send(queue, binaryMode(event, client));

        await scope.waitForCount(received, 1, 'the CloudEvent');
        await scope.settle();
        expect(received.count()).toBe(1);
        const message = received.messages[0]!;
        expect(message).toMatchObject({
          id: event.id,
          type: event.type,
          source: event.source,
          subject: event.subject,
          time: event.time,
          data: event.data,
          attempt: 1,
        });
        expect(message.headers.tenant).toBe('acme');
      },
    );

    scenario(
      'interop.cloudevents-structured',
      'a CloudEvent in structured content mode (application/cloudevents+json) is handled once',
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('ce-structured');
        const received = collect();
        await bus.consumer(queue, received.handler).start();

        const event = orderEvent(scope);
        const structured = HTTP.structured(event);
        await client.send(queue, {
          attributes: {},
          body: encoder.encode(String(structured.body)),
          contentType: 'application/cloudevents+json; charset=utf-8',
        });

        await scope.waitForCount(received, 1, 'the CloudEvent');
        await scope.settle();
        expect(received.count()).toBe(1);
        expect(received.messages[0]).toMatchObject({
          id: event.id,
          type: event.type,
          source: event.source,
          subject: event.subject,
          data: event.data,
          headers: { tenant: 'acme' },
        });
      },
    );

    scenario(
      'interop.raw-json',
      "plain JSON with envelope: 'raw' is handed over parsed, with the native attributes and the broker's id, and retried like any message",
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('raw-json');
        const received = collect<unknown>((message) => {
          if (message.attempt === 1) throw new Error('first attempt fails');
        });
        await bus
          .consumer(queue, received.handler, { envelope: 'raw', retry: { attempts: 3, backoff: QUICK } })
          .start();

        const legacy = { orderId: 'legacy-1', lines: [1, 2, 3] };
        const id = await client.send(queue, {
          attributes: { 'x-legacy': 'yes' },
          body: encoder.encode(JSON.stringify(legacy)),
          messageId: scope.id(),
        });

        await scope.waitForCount(received, 2, 'the retried raw message');
        await scope.settle();
        expectRetriedRawJson(received, id, legacy);
      },
    );

    scenario(
      'interop.raw-bytes',
      "a body that is not JSON is handed over as bytes with envelope: 'raw'",
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('raw-bytes');
        const received = collect<unknown>();
        await bus.consumer(queue, received.handler, { envelope: 'raw' }).start();

        // Text every broker carries (SQS bodies must be XML-safe characters), but not JSON.
        const bytes = encoder.encode('<order id="7">caf\u00e9</order>');
        const id = await client.send(queue, { attributes: {}, body: bytes, messageId: scope.id() });

        await scope.waitForCount(received, 1, 'the raw bytes');
        await scope.settle();
        expect(received.count()).toBe(1);
        expect(received.messages[0]!.id).toBe(id);
        expect(received.messages[0]!.data).toEqual(bytes);
      },
    );

    scenario(
      'interop.garbage',
      'a foreign message that is none of the recognised formats is dead-lettered with a DecodeError and the reason',
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('garbage');
        const received = collect();
        const dead = collect<unknown>();
        await bus.consumer(queue, received.handler).start();
        await bus.deadLetters(queue).consume(dead.handler, { envelope: 'raw' }).start();

        const body = encoder.encode('{"hello":"not an envelope"}');
        await client.send(queue, { attributes: { 'x-origin': 'legacy' }, body, messageId: scope.id() });
        const good = scope.id();
        await bus.producer(queue).send({ id: good, type: 'Fine', data: null });

        await scope.waitFor(() => received.timesSeen(good) === 1, 'the Omnibus message after the garbage');
        await scope.waitForCount(dead, 1, `${queue} dead letters`);
        await scope.settle();
        expect(received.count()).toBe(1);
        expect(dead.count()).toBe(1);
        expectGarbageLetter(dead.messages[0] as unknown as RawMessage);
      },
    );

    scenario(
      'interop.raw-idempotency',
      "a foreign message redelivered with the same broker id, read with envelope: 'raw', runs the idempotent handler once",
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('raw-dup');
        const deliveries = new Map<string, number>();
        const countDeliveries: Middleware = (message, _context, next) => {
          deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
          return next();
        };
        // Fails the first attempt after the handler's effect was recorded, as a lost
        // acknowledgement would: the broker redelivers the very message, with its own id.
        const loseFirstAcknowledgement: Middleware = async (message, _context, next) => {
          await next();
          if (message.attempt === 1) throw new Error('the acknowledgement was lost');
        };
        const effects = collect<unknown>();
        await bus
          .consumer(queue, effects.handler, {
            envelope: 'raw',
            retry: { attempts: 3, backoff: QUICK },
            middleware: [
              countDeliveries,
              loseFirstAcknowledgement,
              idempotency({ store: new MemoryIdempotencyStore() }),
            ],
          })
          .start();

        const chosen = scope.id();
        const foreign: NativeMessage = {
          attributes: { 'x-legacy': 'yes' },
          body: encoder.encode(JSON.stringify({ charge: 20 })),
          messageId: chosen,
        };
        const id = await client.send(queue, foreign);
        await scope.waitFor(() => (deliveries.get(id) ?? 0) >= 2, 'the redelivery');
        await scope.settle();
        expect(deliveries.get(id)).toBe(2);
        expect(effects.count()).toBe(1);
        expect(effects.messages[0]).toMatchObject({ id, data: { charge: 20 } });

        // Where the broker keeps the producer's id (AMQP message-id, Service Bus messageId), a
        // foreign producer's own resend is a duplicate too.
        if (id === chosen) {
          await client.send(queue, foreign);
          await scope.waitFor(() => (deliveries.get(id) ?? 0) >= 3, 'the resent copy');
          await scope.settle();
          expect(effects.count()).toBe(1);
        }
      },
    );

    scenario(
      'interop.topic-foreign-producers',
      "CloudEvents in binary and structured mode published straight to a topic's native entity reach its subscription once; garbage is dead-lettered with the reason",
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const topic = scope.name('ce-topic');
        const received = collect();
        const dead = collect<unknown>();
        await bus.topic(topic).subscribe('reader', received.handler).start();
        await bus
          .deadLetters({ topic, subscription: 'reader' })
          .consume(dead.handler, { envelope: 'raw' })
          .start();

        const binary = orderEvent(scope);
        const structured = orderEvent(scope);
        await client.publish(topic, binaryMode(binary, client));
        await client.publish(topic, {
          attributes: {},
          body: encoder.encode(String(HTTP.structured(structured).body)),
          contentType: 'application/cloudevents+json; charset=utf-8',
        });
        await client.publish(topic, {
          attributes: { 'x-origin': 'legacy' },
          body: encoder.encode('{"hello":"not an envelope"}'),
          messageId: scope.id(),
        });

        await scope.waitForCount(received, 2, 'both CloudEvents');
        await scope.waitForCount(dead, 1, 'the garbage dead letter');
        await scope.settle();
        expect(received.count()).toBe(2);
        for (const event of [binary, structured]) {
          expect(received.timesSeen(event.id)).toBe(1);
          expect(received.first(event.id)).toMatchObject({
            id: event.id,
            type: event.type,
            source: event.source,
            subject: event.subject,
            data: event.data,
            headers: { tenant: 'acme' },
          });
        }
        expect(dead.count()).toBe(1);
        expectGarbageLetter(dead.messages[0] as unknown as RawMessage);
      },
    );

    scenario(
      'interop.topic-raw-json',
      "plain JSON published straight to a topic's native entity is read by an envelope: 'raw' subscription, with the broker's id, and retried",
      async (scope) => {
        const { bus } = await scope.open();
        const client = await nativeClient(scope);
        const topic = scope.name('raw-topic');
        const received = collect<unknown>((message) => {
          if (message.attempt === 1) throw new Error('first attempt fails');
        });
        await bus
          .topic(topic)
          .subscribe('legacy-reader', received.handler, {
            envelope: 'raw',
            retry: { attempts: 3, backoff: QUICK },
          })
          .start();

        const legacy = { orderId: 'legacy-2', lines: [4, 5] };
        const published = await client.publish(topic, {
          attributes: { 'x-legacy': 'yes' },
          body: encoder.encode(JSON.stringify(legacy)),
          messageId: scope.id(),
        });

        await scope.waitForCount(received, 2, 'the retried raw message');
        await scope.settle();
        expectRetriedRawJson(received, published, legacy);
      },
    );

    scenario(
      'interop.omnibus-to-cloudevent',
      'a message sent by Omnibus, read with the native client, is a valid CloudEvent for the official SDK',
      async (scope) => {
        const { bus, source } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('to-ce');
        // Starting and stopping a consumer creates the queue on every broker, so the send lands.
        const probe = bus.consumer(queue, () => {});
        await probe.start();
        await probe.stop();

        const id = scope.id();
        await bus.producer(queue).send({
          id,
          type: 'OrderPlaced',
          subject: 'order-7',
          data: { orderId: 'order-7', amount: 1250 },
          headers: { 'x-tenant': 'acme' },
        });
        const received = await client.receive(queue, scope.patienceMs);
        const event = toCloudEvent(received, client);

        expect(event.validate()).toBe(true);
        expect(event.specversion).toBe('1.0');
        expect(event.id).toBe(id);
        expect(event.type).toBe('OrderPlaced');
        expect(event.source).toBe(source);
        expect(event.subject).toBe('order-7');
        expect(event.datacontenttype).toMatch(/^application\/json/);
        expect(event.data).toEqual({ orderId: 'order-7', amount: 1250 });
        expect(received.attributes['x-tenant']).toBe('acme');
      },
    );

    scenario(
      'interop.structured-producer',
      "a producer with format: 'structured' writes application/cloudevents+json that the SDK reads, and Omnibus consumers read it too",
      async (scope) => {
        const { bus, source } = await scope.open();
        const client = await nativeClient(scope);
        const queue = scope.name('structured');
        const probe = bus.consumer(queue, () => {});
        await probe.start();
        await probe.stop();

        const producer = bus.producer(queue, { format: 'structured' });
        const first = scope.id();
        await producer.send({ id: first, type: 'OrderPlaced', subject: 'order-7', data: { amount: 1250 } });
        const received = await client.receive(queue, scope.patienceMs);
        expect(received.contentType).toMatch(/^application\/cloudevents\+json/);
        const event = HTTP.toEvent({
          headers: { 'content-type': received.contentType! },
          body: new TextDecoder().decode(received.body),
        }) as CloudEvent;
        expect(event.validate()).toBe(true);
        expect(event).toMatchObject({ id: first, type: 'OrderPlaced', source, subject: 'order-7' });
        expect(event.data).toEqual({ amount: 1250 });

        const handled = collect();
        await bus.consumer(queue, handled.handler).start();
        const second = scope.id();
        await producer.send({
          id: second,
          type: 'OrderPlaced',
          data: { amount: 7 },
          headers: { 'x-tenant': 'acme' },
        });
        await scope.waitForCount(handled, 1, 'the structured message');
        await scope.settle();
        expect(handled.messages.map((message) => message.id)).toEqual([second]);
        expect(handled.messages[0]).toMatchObject({
          id: second,
          type: 'OrderPlaced',
          source,
          data: { amount: 7 },
          headers: { 'x-tenant': 'acme' },
        });
        expect(Object.keys(handled.messages[0]!.headers)).toEqual(['x-tenant']);
      },
    );
  });
}

/**
 * A raw JSON message failed once and handled again: both attempts with the same id (the broker's,
 * `id` when the producer could know it), the parsed body, the native attribute and the bytes.
 */
function expectRetriedRawJson(received: Collector<unknown>, id: string | undefined, legacy: unknown): void {
  expect(received.count()).toBe(2);
  const [first, second] = received.messages as unknown as RawMessage[];
  expect(first!.envelope).toBe('raw');
  expect(first!.id).not.toBe('');
  if (id !== undefined) expect(first!.id).toBe(id);
  expect(second!.id).toBe(first!.id);
  expect(received.messages.map((message) => message.attempt)).toEqual([1, 2]);
  expect(second!.data).toEqual(legacy);
  expect(second!.headers['x-legacy']).toBe('yes');
  expect(new TextDecoder().decode(second!.body)).toBe(JSON.stringify(legacy));
}

/** The garbage the scenarios send, dead-lettered at once as undecodable, body and attributes kept. */
function expectGarbageLetter(letter: RawMessage): void {
  expect(letter.headers[FailureHeader.error]).toMatch(/^DecodeError: .*not an Omnibus message/);
  expect(letter.headers[FailureHeader.attempts]).toBe('1');
  expect(letter.headers['x-origin']).toBe('legacy');
  expect(new TextDecoder().decode(letter.body)).toBe('{"hello":"not an envelope"}');
}

/**
 * Reads a native message with the official SDK's binary-mode parser: the binding's prefix is
 * turned into the `ce-` form the SDK's parser reads, the content type becomes its Content-Type.
 */
function toCloudEvent(received: ReceivedNativeMessage, client: NativeClient): CloudEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(received.attributes)) {
    if (name.toLowerCase().startsWith(client.cloudEventsPrefix.toLowerCase())) {
      headers[`ce-${name.slice(client.cloudEventsPrefix.length).toLowerCase()}`] = value;
    }
  }
  if (received.contentType !== undefined) headers['content-type'] = received.contentType;
  else if (headers['ce-datacontenttype'] !== undefined)
    headers['content-type'] = headers['ce-datacontenttype'];
  const event = HTTP.toEvent({ headers, body: new TextDecoder().decode(received.body) });
  if (Array.isArray(event)) throw new Error('Expected one CloudEvent, got a batch.');
  return event as CloudEvent;
}
