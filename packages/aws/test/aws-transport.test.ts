import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type Bus,
  ConfigurationError,
  createBus,
  type Message,
  PermanentError,
  UnsupportedFeatureError,
} from '@omnibus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsTransport, transportFactory } from '../src/index.js';
import { type AwsEmulators, startAwsEmulators } from './aws-emulators.js';
import { createNativeNames } from '../src/native-names.js';
import { splitBatches } from '../src/split-batches.js';
import { translateEventPattern } from '../src/translate-event-pattern.js';
import { fromWire, fromWireWithBase, toWire } from '../src/wire-envelope.js';

let emulators: AwsEmulators;
let fauxqs: AwsEmulators['fauxqs'];
let eventBridge: AwsEmulators['eventBridge'];
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const buses: Bus[] = [];
let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

async function openBus(extra: Record<string, unknown> = {}): Promise<Bus> {
  const bus = await createBus({
    transport: createAwsTransport({
      region: 'us-east-1',
      endpoint: fauxqs.address,
      credentials,
      receiveWaitSeconds: 1,
      ...extra,
      endpoints: { eventBridge: eventBridge.endpoint },
    }),
    source: 'aws-tests',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  buses.push(bus);
  return bus;
}

function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

beforeAll(async () => {
  emulators = await startAwsEmulators();
  ({ fauxqs, eventBridge } = emulators);
});

afterAll(async () => {
  await Promise.allSettled(buses.map((bus) => bus.close()));
  await emulators?.stop();
});

describe('wire envelope', () => {
  it('writes ce-* as native attributes when they fit and restores every attribute exactly', () => {
    const message = {
      id: 'm1',
      key: 'k',
      attributes: { 'ce-id': 'm1', 'ce-type': 'T', 'ce-partitionkey': 'k', tenant: 'acme', 'x.y': 'z' },
      body: new TextEncoder().encode('{"a":1}'),
    };
    const wire = toWire(message);
    expect(Object.keys(wire.attributes).sort()).toEqual([
      'ce-id',
      'ce-partitionkey',
      'ce-type',
      'tenant',
      'x.y',
    ]);
    const back = fromWire(wire.body, wire.attributes, 'native-id');
    expect(back).toEqual(message);
  });

  it('keeps the CloudEvents core attributes native and packs the rest when ten would not do', () => {
    const attributes: Record<string, string> = {
      'ce-specversion': '1.0',
      'ce-id': 'm2',
      'ce-source': 's',
      'ce-type': 'T',
      'ce-time': '2026-01-01T00:00:00.000Z',
      'ce-datacontenttype': 'application/json',
      'ce-subject': 'sub',
      'ce-correlationid': 'c',
      'ce-causationid': 'p',
      a: '1',
      b: '2',
    };
    const message = { id: 'm2', attributes, body: new TextEncoder().encode('1') };
    const wire = toWire(message, 3);
    expect(Object.keys(wire.attributes).length).toBeLessThanOrEqual(10);
    for (const name of ['ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-datacontenttype'])
      expect(wire.attributes[name]?.StringValue).toBe(attributes[name]);
    expect(wire.attributes['omnibus-envelope']).toBeDefined();
    const back = fromWireWithBase(wire.body, wire.attributes, 'x');
    expect(back).toEqual({ message, attemptBase: 3 });
  });

  it('still reads messages whose envelope was packed as one attribute', () => {
    const packed = {
      'omnibus-envelope': { StringValue: JSON.stringify({ id: 'old', type: 'T', source: 's' }) },
      tenant: { StringValue: 'acme' },
    };
    expect(fromWire('{}', packed, 'native').attributes).toEqual({
      'ce-id': 'old',
      'ce-type': 'T',
      'ce-source': 's',
      tenant: 'acme',
    });
  });

  it('packs user headers too when they would not fit natively', () => {
    const headers: Record<string, string> = {};
    for (let index = 0; index < 12; index++) headers[`h${index}`] = String(index);
    headers['bad name!'] = 'x';
    headers.empty = '';
    const message = {
      id: 'm',
      attributes: { 'ce-id': 'm', 'ce-type': 'T', ...headers },
      body: new Uint8Array([0x31]),
    };
    const wire = toWire(message);
    expect(Object.keys(wire.attributes).sort()).toEqual(['ce-id', 'ce-type', 'omnibus-headers']);
    expect(fromWire(wire.body, wire.attributes, 'x')).toEqual(message);
  });
});

describe('names and batches', () => {
  it('keeps valid names, maps others deterministically within AWS limits', () => {
    const names = createNativeNames('dev-');
    expect(names.queue('orders', false)).toBe('dev-orders');
    expect(names.queue('orders', true)).toBe('dev-orders.fifo');
    const dotted = names.queue('stock.reserve', false);
    expect(dotted).toMatch(/^dev-stock_reserve-[0-9a-f]{8}$/);
    expect(names.queue('stock_reserve', false)).not.toBe(dotted);
    const long = names.queue('x'.repeat(200), true);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('.fifo')).toBe(true);
    expect(names.rule('r'.repeat(100)).length).toBeLessThanOrEqual(64);
    expect(names.subscriptionQueue('a.b', 'c')).not.toBe(names.subscriptionQueue('a', 'b.c'));
  });

  it('splits batches by count and by total size', () => {
    const sizes = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 200_000, 100_000];
    const batches = splitBatches(sizes, (size) => size, 10, 262_144);
    expect(batches.map((batch) => batch.length)).toEqual([10, 2, 1]);
  });

  it('translates patterns onto the EventBridge envelope', () => {
    expect(
      translateEventPattern({
        source: ['payments'],
        type: ['PaymentFailed'],
        data: { amount: [{ numeric: ['>=', 1000] }] },
        subject: [{ exists: false }],
        bogus: [{ exists: false }],
        $or: [{ headers: { tenant: ['a'] } }, { type: ['X'] }],
      } as never),
    ).toEqual({
      source: ['payments'],
      'detail-type': ['PaymentFailed'],
      $or: [{ detail: { headers: { tenant: ['a'] } } }, { 'detail-type': ['X'] }],
      detail: {
        data: { amount: [{ numeric: ['>=', 1000] }] },
        subject: [{ exists: false }],
        '~absent~bogus': [{ exists: false }],
      },
    });
  });
});

describe('options', () => {
  it('reports every invalid option at once, without I/O', () => {
    expect(() =>
      createAwsTransport({
        endpoint: 'nope',
        receiveWaitSeconds: 99,
        provision: 'sometimes' as never,
        namePrefix: 'a b',
      }),
    ).toThrowError(/endpoint.*namePrefix.*provision.*receiveWaitSeconds/);
  });

  it('parses aws:// URLs and refuses credentials in them', async () => {
    const transport = await transportFactory(
      'aws://?region=eu-west-1&endpoint=http://127.0.0.1:1&prefix=dev-',
      { provision: 'auto' },
    );
    expect(transport.name).toBe('aws');
    expect(() => transportFactory('aws://key:secret@eu-west-1', { provision: 'auto' })).toThrow(
      ConfigurationError,
    );
    expect(() => transportFactory('aws://?region=x&accessKeyId=AKIA', { provision: 'auto' })).toThrow(
      /Unknown aws:\/\/ URL parameter/,
    );
  });
});

describe('on fauxqs', () => {
  it('sends a batch larger than 10 and receives each message with its headers', async () => {
    const bus = await openBus();
    const queue = unique('orders.batch');
    const received: Message[] = [];
    const consumer = bus.consumer(queue, async (message) => void received.push(message), { concurrency: 16 });
    await consumer.start();
    const messages = Array.from({ length: 25 }, (_, index) => ({
      type: 'OrderPlaced',
      data: { index },
      headers: { tenant: 'acme' },
    }));
    await bus.producer(queue).send(messages);
    await waitFor(() => received.length === 25);
    expect(
      received.map((message) => (message.data as { index: number }).index).sort((a, b) => a - b),
    ).toEqual(messages.map((_, index) => index));
    expect(received[0]!.headers).toEqual({ tenant: 'acme' });
    expect(received[0]!.attempt).toBe(1);
    await consumer.stop();
  });

  it('retries with attempt + 1 and dead-letters with failure headers, keeping the id', async () => {
    const bus = await openBus();
    const queue = unique('payments');
    const attempts: number[] = [];
    const consumer = bus.consumer(
      queue,
      async (message) => {
        attempts.push(message.attempt);
        throw new Error('boom');
      },
      { retry: { attempts: 2, backoff: { initialMs: 10, maxMs: 10, factor: 1, jitter: false } } },
    );
    await consumer.start();
    await bus.producer(queue).send({ id: 'pay-1', type: 'Pay', data: { n: 1 } });
    const dead: Message[] = [];
    const inspector = bus.deadLetters(queue).consume(async (message) => void dead.push(message));
    await inspector.start();
    await waitFor(() => dead.length === 1, 15_000);
    expect(attempts).toEqual([1, 2]);
    expect(dead[0]!.id).toBe('pay-1');
    expect(dead[0]!.headers['omnibus-error']).toBe('Error: boom');
    expect(dead[0]!.headers['omnibus-attempts']).toBe('2');
    await Promise.all([consumer.stop(), inspector.stop()]);
  });

  it('dead-letters a PermanentError at once and a foreign, undecodable message too', async () => {
    const bus = await openBus();
    const queue = unique('permanent');
    const consumer = bus.consumer(queue, async () => {
      throw new PermanentError('no');
    });
    await consumer.start();
    await bus.producer(queue).send({ type: 'T', data: 1 });
    const raw = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.address, credentials });
    const url = (await raw.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
    await raw.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'not json' }));
    const dead: Message[] = [];
    const inspector = bus.deadLetters(queue).consume(async (message) => void dead.push(message));
    await inspector.start();
    await waitFor(() => dead.length === 1);
    expect(dead[0]!.headers['omnibus-error']).toBe('PermanentError: no');
    // The foreign message cannot be decoded from the DLQ either: it moves on to the DLQ's own DLQ.
    await waitFor(() => false, 1500).catch(() => {});
    expect(dead).toHaveLength(1);
    await inspector.stop();
    await consumer.stop();
    const leftovers = await raw.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
    expect(leftovers.Messages ?? []).toHaveLength(0);
    raw.destroy();
  });

  it('refuses delays beyond 15 minutes and on ordered queues', async () => {
    const bus = await openBus();
    await expect(
      bus.producer(unique('late')).send({ type: 'T', data: 1 }, { delayMs: 16 * 60_000 }),
    ).rejects.toThrow(UnsupportedFeatureError);
    await expect(
      bus
        .producer(unique('ordered'), { ordering: 'key' })
        .send({ type: 'T', data: 1, key: 'a' }, { delayMs: 1000 }),
    ).rejects.toThrow(UnsupportedFeatureError);
  });

  it('orders by key on a FIFO queue', async () => {
    const bus = await openBus();
    const queue = unique('fifo');
    const seen: string[] = [];
    const consumer = bus.consumer(
      queue,
      async (message) => void seen.push(`${message.key}:${(message.data as { n: number }).n}`),
      {
        ordering: 'key',
        concurrency: 4,
      },
    );
    await consumer.start();
    const producer = bus.producer(queue, { ordering: 'key' });
    await producer.send(
      Array.from({ length: 6 }, (_, n) => ({ type: 'T', key: n % 2 ? 'a' : 'b', data: { n } })),
    );
    await waitFor(() => seen.length === 6);
    expect(seen.filter((entry) => entry.startsWith('a:'))).toEqual(['a:1', 'a:3', 'a:5']);
    expect(seen.filter((entry) => entry.startsWith('b:'))).toEqual(['b:0', 'b:2', 'b:4']);
    await consumer.stop();
  });

  it("keeps a slow handler's message invisible with a heartbeat", async () => {
    const bus = await openBus({ visibilityTimeoutSeconds: 1 });
    const queue = unique('slow');
    const seen: number[] = [];
    const consumer = bus.consumer(
      queue,
      async (message) => {
        seen.push(message.attempt);
        await new Promise((resolve) => setTimeout(resolve, 3500));
      },
      { concurrency: 4 },
    );
    await consumer.start();
    await bus.producer(queue).send({ type: 'Slow', data: null });
    await waitFor(() => seen.length === 1);
    await consumer.stop();
    expect(seen).toEqual([1]);
  });

  it("fails with provision 'never' naming the missing queue", async () => {
    const bus = await openBus({ provision: 'never' });
    await expect(bus.producer(unique('missing')).send({ type: 'T', data: 1 })).rejects.toThrow(
      /does not exist and provisioning is 'never'/,
    );
  });

  it('fans a topic out to its subscriptions through SNS', async () => {
    const bus = await openBus();
    const topic = unique('notifications');
    const got: string[] = [];
    const email = bus
      .topic(topic)
      .subscribe('email', async (message) => void got.push(`email:${message.type}`));
    const sms = bus.topic(topic).subscribe('sms', async (message) => void got.push(`sms:${message.type}`));
    await Promise.all([email.start(), sms.start()]);
    await bus.topic(topic).publish({ type: 'OrderConfirmed', data: {} });
    await waitFor(() => got.length === 2);
    expect(got.sort()).toEqual(['email:OrderConfirmed', 'sms:OrderConfirmed']);
    await Promise.all([email.stop(), sms.stop()]);
  });
});
