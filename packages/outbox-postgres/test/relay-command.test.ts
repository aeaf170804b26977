import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Bus, createBus, type Message } from '@omnibus/core';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresOutbox } from '../src/index.js';
import {
  createPool,
  inTransaction,
  postgresAndRabbitMqUnavailable,
  rabbitUrl,
  postgresUrl,
  uniqueSchema,
  waitFor,
} from './postgres-server.js';

const unavailable = await postgresAndRabbitMqUnavailable();
const command = fileURLToPath(new URL('../src/relay-bin.ts', import.meta.url));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.skipIf(unavailable !== undefined)('the omnibus-outbox-relay command', () => {
  const pool = createPool(postgresUrl, 4);
  const schema = uniqueSchema('command');
  let bus: Bus;

  beforeAll(async () => {
    bus = await createBus({ transport: createRabbitMqTransport({ url: rabbitUrl }), logger: silent });
  });
  afterAll(async () => {
    await bus?.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('migrates, relays committed rows as a process of its own, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--conditions=@omnibus/source', '--import', 'tsx', command], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        OMNIBUS_OUTBOX_DATABASE_URL: postgresUrl,
        OMNIBUS_TRANSPORT: rabbitUrl,
        OMNIBUS_OUTBOX_SCHEMA: schema,
        OMNIBUS_OUTBOX_MIGRATE: '1',
      },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await waitFor(() => output.includes('relaying'), 'the relay to start', 30_000);
      expect(output).toContain(`relaying ${schema}.omnibus_outbox`);

      const queue = `outbox-command-${process.pid}-${Date.now()}`;
      const received: Message[] = [];
      const consumer = bus.consumer(queue, async (message) => void received.push(message));
      await consumer.start();
      const writer = createPostgresOutbox({ pool, bus, schema });
      const ids = await inTransaction(pool, (client) =>
        writer.send(
          client,
          queue,
          Array.from({ length: 10 }, (_, index) => ({ type: 'Tick', data: index })),
        ),
      );
      await waitFor(() => received.length >= 10, 'the relayed messages');
      await consumer.stop();
      expect(received.map((message) => message.id).sort()).toEqual([...ids].sort());
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
