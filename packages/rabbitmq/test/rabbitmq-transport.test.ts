import { ConfigurationError, ConnectionError, createBus, type Message } from '@omnibus/core';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { brokerReachable, RABBITMQ_URL } from './broker.js';
import { closeConnectionsNamed, deleteQueues, sleep, uniqueName, until } from './support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('createRabbitMqTransport options', () => {
  it('reports every invalid option at once, without the password, and does no I/O', () => {
    let thrown: unknown;
    try {
      createRabbitMqTransport({
        url: 'amqp://user:s3cret@nowhere.invalid:5672',
        provision: 'sometimes' as never,
        queueType: 'stream' as never,
        sendTimeoutMs: -1,
      });
    } catch (error) {
      thrown = error;
    }
    expect(ConfigurationError.isInstance(thrown)).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toContain('provision');
    expect(message).toContain('queueType');
    expect(message).toContain('sendTimeoutMs');
    expect(message).not.toContain('s3cret');
  });

  it('rejects URLs that are not amqp:// or amqps://, redacting the password', () => {
    expect(() => createRabbitMqTransport({ url: 'http://u:s3cret@host' })).toThrow(/amqp:\/\/ or amqps:\/\//);
    expect(() => createRabbitMqTransport({ url: 'http://u:s3cret@host' })).not.toThrow(/s3cret/);
  });
});

const reachable = await brokerReachable();

describe.runIf(reachable)('rabbitmq transport on the real broker', () => {
  const buses: { close(): Promise<void> }[] = [];
  const queues: string[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await deleteQueues(RABBITMQ_URL, queues);
  });

  const open = async (connectionName: string) => {
    const bus = await createBus({
      transport: createRabbitMqTransport({ url: RABBITMQ_URL, connectionName, logger: silent }),
      logger: silent,
    });
    buses.push(bus);
    return bus;
  };

  it('fails to connect with ConnectionError naming the broker but not the password', async () => {
    const transport = createRabbitMqTransport({
      url: 'amqp://guest:s3cret@127.0.0.1:1',
      connectTimeoutMs: 2_000,
    });
    const error = await transport.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
    await transport.close();
  });

  it('turns PRECONDITION_FAILED into a ConfigurationError naming the queue and the argument', async () => {
    const queue = uniqueName('classic');
    const raw = await amqp.connect(RABBITMQ_URL);
    try {
      const channel = await raw.createChannel();
      // Everything as the transport declares it, except the queue type.
      await channel.assertQueue(queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': `${queue}.dlq`,
        },
      });
      const bus = await open(uniqueName('precondition'));
      const error = await bus
        .producer(queue)
        .send({ type: 'Ping', data: null })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(`'${queue}'`);
      expect((error as Error).message).toContain("'x-queue-type'");
      await channel.deleteQueue(queue);
    } finally {
      await raw.close();
    }
  });

  it('(c) a poison message ends in the dead-letter queue with its reason after exactly `attempts` tries', async () => {
    const bus = await open(uniqueName('poison'));
    const queue = uniqueName('poison');
    queues.push(queue);
    let tries = 0;
    const consumer = bus.consumer(
      queue,
      async () => {
        tries++;
        throw new TypeError('cannot read the order');
      },
      { retry: { attempts: 3, backoff: { initialMs: 20, maxMs: 50, factor: 2, jitter: false } } },
    );
    await consumer.start();
    await bus.producer(queue).send({ type: 'OrderPlaced', data: { id: 1 } });
    const dead: Message[] = [];
    const inspector = bus.deadLetters(queue).consume(async (message) => {
      dead.push(message);
    });
    await inspector.start();
    await until(() => dead.length === 1, 'the dead letter');
    await sleep(500); // a hot loop would show up as more tries
    expect(tries).toBe(3);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers['omnibus-error']).toBe('TypeError: cannot read the order');
    expect(dead[0]!.headers['omnibus-attempts']).toBe('3');
    expect(dead[0]!.type).toBe('OrderPlaced');
    await consumer.stop();
    await inspector.stop();
  });

  it('resumes consuming and sending after the broker closes the connection', async () => {
    const connectionName = uniqueName('severed');
    const bus = await open(connectionName);
    const queue = uniqueName('severed');
    queues.push(queue);
    const seen = new Map<string, number>();
    const consumer = bus.consumer(queue, async (message) => {
      seen.set(message.id, (seen.get(message.id) ?? 0) + 1);
    });
    await consumer.start();
    const producer = bus.producer(queue);
    const before = Array.from({ length: 50 }, (_, index) => ({
      id: `${queue}-a${index}`,
      type: 'Tick',
      data: index,
    }));
    await producer.send(before);
    await until(() => seen.size === 50, 'the first 50');

    expect(await closeConnectionsNamed(connectionName)).toBeGreaterThan(0);
    // Sent while the connection is down: waits for the reconnect, resolves only once confirmed.
    const after = Array.from({ length: 50 }, (_, index) => ({
      id: `${queue}-b${index}`,
      type: 'Tick',
      data: index,
    }));
    await producer.send(after);
    await until(() => seen.size === 100, 'the 50 sent during the outage', 30_000);
    for (const message of [...before, ...after]) expect(seen.get(message.id)).toBeGreaterThanOrEqual(1);
    await consumer.stop();
  });
});
