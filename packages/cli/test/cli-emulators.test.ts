import { type AwsTransportOptions, createAwsTransport } from '@omnibus/aws';
import { createAzureServiceBusTransport, emulatorAdministration } from '@omnibus/azure-service-bus';
import { serviceUnavailable } from '@omnibus/contract-tests';
import {
  type Bus,
  createBus,
  createConsoleLogger,
  type Message,
  PermanentError,
  type Transport,
} from '@omnibus/core';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMissing, runBuiltCli } from './run-built-cli.js';
import { until } from './until.js';

process.env.METADATA_SERVER_DETECTION ??= 'none';
const PUBSUB_HOST = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
const built = buildMissing();
const run = Date.now().toString(36);

/** One emulator the bin is pointed at: the URL it gets, and a bus of the test's own on the same broker. */
interface Target {
  readonly url: string;
  readonly env?: Record<string, string>;
  openTestBus(): Promise<Bus>;
  stop(): Promise<void>;
}

/**
 * The same operator session on every emulator, through the built bin in a child process: count,
 * peek, a redrive by id to another queue, then a purge of the rest, each checked against what
 * the broker holds afterwards (through a bus of the test's own).
 */
function dlqSession(name: string, start: () => Promise<Target | undefined>) {
  describe.skipIf(built !== undefined)(`omnibus dlq on ${name} (the built bin)`, () => {
    let target: Target | undefined;
    let bus: Bus;
    beforeAll(async () => {
      target = await start();
      if (target) bus = await target.openTestBus();
    });
    afterAll(async () => {
      await bus?.close();
      await target?.stop();
    });

    it('counts, peeks, redrives by id to another queue and purges, with --json matching the broker', async (context) => {
      if (!target) return context.skip();
      const env = { ...target.env, OMNIBUS_TRANSPORT: target.url };
      const queue = `cli-${run}-orders`;
      const other = `cli-${run}-retry`;
      const failing = bus.consumer(queue, () => Promise.reject(new PermanentError('card declined')));
      await failing.start();
      const arrived: Message[] = [];
      await bus
        .consumer(other, (message) => {
          arrived.push(message);
        })
        .start();
      const ids = [0, 1, 2].map((n) => `${run}-${name}-${n}`);
      await bus.producer(queue).send(ids.map((id, n) => ({ id, type: 'ChargeCard', data: { n } })));
      await until(async () => (await bus.deadLetters(queue).count()).count === 3, 'three dead letters');
      await failing.stop();

      const count = await runBuiltCli(['dlq', 'count', queue, '--json'], env);
      expect(count.code).toBe(0);
      expect(count.json()).toEqual({
        count: 3,
        accuracy: bus.capabilities.deadLetterManagement!.count === 'approximate' ? 'approximate' : 'exact',
      });

      const peek = await runBuiltCli(['dlq', 'peek', queue, '--limit', '2', '--json'], env);
      expect(peek.code).toBe(0);
      const letters = peek.json<{ id: string; failure: Record<string, unknown> }[]>();
      expect(letters).toHaveLength(2);
      for (const letter of letters) {
        expect(ids).toContain(letter.id);
        expect(letter.failure).toMatchObject({
          reason: 'PermanentError: card declined',
          errorType: 'PermanentError',
          originalQueue: queue,
        });
      }
      await until(
        async () => (await bus.deadLetters(queue).count()).count === 3,
        'all three still there after peeking',
      );

      const redrive = await runBuiltCli(
        ['dlq', 'redrive', queue, '--id', ids[1]!, '--to', other, '--yes', '--json'],
        env,
      );
      expect(redrive.code).toBe(0);
      expect(redrive.json()).toMatchObject({ moved: 1, failed: 0, interrupted: false });
      await until(
        () => arrived.some((message) => message.id === ids[1]),
        'the redriven letter on the other queue',
      );
      expect(arrived.map((message) => message.id)).toEqual([ids[1]]);

      const purge = await runBuiltCli(['dlq', 'purge', queue, '--yes', '--json'], env);
      expect(purge.code).toBe(0);
      expect(purge.json()).toMatchObject({ purged: 2, failed: 0 });
      await until(
        async () => (await bus.deadLetters(queue).count()).count === 0,
        'an empty dead-letter queue',
      );
      expect(await bus.deadLetters(queue).peek({ limit: 10 })).toEqual([]);
    });

    it('names a queue that does not exist instead of creating it', async (context) => {
      if (!target) return context.skip();
      const missing = await runBuiltCli(['dlq', 'count', `cli-${run}-nowhere`, '--json'], {
        ...target.env,
        OMNIBUS_TRANSPORT: target.url,
      });
      expect(missing.code).toBe(1);
      expect(missing.json()).toMatchObject({ error: { code: 'configuration' } });
      expect(missing.stdout).toContain(`cli-${run}-nowhere`);
    });
  });
}

const quiet = { source: 'cli-test', logger: createConsoleLogger('error') } as const;
const openWith = (transport: Transport) => createBus({ transport, ...quiet });

dlqSession('SQS (fauxqs)', async () => {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const options: AwsTransportOptions = { region: 'us-east-1', endpoint: fauxqs.address, credentials };
  return {
    url: `aws://us-east-1?endpoint=${encodeURIComponent(fauxqs.address)}`,
    env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    openTestBus: () => openWith(createAwsTransport(options)),
    stop: () => fauxqs.stop(),
  };
});

dlqSession('Service Bus (in-repo emulator)', async () => {
  const emulator: ServiceBusEmulator = await startServiceBusEmulator({ port: 0 });
  return {
    url: emulator.connectionString,
    openTestBus: () =>
      openWith(
        createAzureServiceBusTransport({
          connectionString: emulator.connectionString,
          administration: emulatorAdministration(emulator),
          lockDurationMs: 10_000,
        }),
      ),
    stop: () => emulator.close(),
  };
});

dlqSession('Pub/Sub (emulator)', async () => {
  const unavailable = await serviceUnavailable({
    name: 'the Pub/Sub emulator',
    url: `http://${PUBSUB_HOST}`,
    defaultPort: 8085,
    howToStart: 'gcloud beta emulators pubsub start --host-port=127.0.0.1:8085 (or set PUBSUB_EMULATOR_HOST)',
  });
  if (unavailable) return undefined;
  const url = `gcp-pubsub://omnibus-test?emulatorHost=${PUBSUB_HOST}`;
  return {
    url,
    env: { METADATA_SERVER_DETECTION: 'none' },
    openTestBus: () => createBus({ transport: url, ...quiet }),
    stop: async () => {},
  };
});
