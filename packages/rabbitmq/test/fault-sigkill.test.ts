import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBus, type Message } from '@omnibus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { brokerReachable, RABBITMQ_URL } from './broker.js';
import { deleteQueues, uniqueName, until } from './support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const fixture = fileURLToPath(new URL('./fixtures/hanging-consumer.ts', import.meta.url));
const reachable = await brokerReachable();

describe.runIf(reachable)('(b) a consumer process killed with SIGKILL mid-handler', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('has its unacked messages redelivered to another consumer, none lost', async () => {
    const queue = uniqueName('sigkill');
    const bus = await createBus({
      transport: createRabbitMqTransport({ url: RABBITMQ_URL }),
      logger: silent,
    });
    closers.push(() => bus.close());
    closers.push(() => deleteQueues(RABBITMQ_URL, [queue]));
    const ids = Array.from({ length: 200 }, (_, index) => `${queue}-${index}`);
    await bus.producer(queue).send(ids.map((id) => ({ id, type: 'Job', data: { id } })));

    const child = spawn(
      process.execPath,
      ['--conditions=@omnibus/source', '--import', 'tsx', fixture, RABBITMQ_URL, queue],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    closers.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const heldByVictim = new Set<string>();
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n').slice(0, -1))
        if (line.startsWith('got ')) heldByVictim.add(line.slice(4));
      output = output.slice(output.lastIndexOf('\n') + 1);
    });
    // The victim's prefetch (its concurrency) fills up with messages it will never finish.
    await until(() => heldByVictim.size === 20, 'the victim to hold 20 messages', 30_000);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const seen = new Map<string, Message>();
    const survivor = bus.consumer(
      queue,
      async (message) => {
        seen.set(message.id, message);
      },
      { concurrency: 20 },
    );
    await survivor.start();
    await until(() => seen.size === ids.length, 'every message at the survivor', 30_000);
    await survivor.stop();

    expect(new Set(seen.keys())).toEqual(new Set(ids));
    // The victim's messages are redeliveries: the quorum queue counted the first delivery.
    for (const id of heldByVictim) expect(seen.get(id)!.attempt).toBe(2);
    expect(ids.filter((id) => !heldByVictim.has(id)).every((id) => seen.get(id)!.attempt === 1)).toBe(true);
  });
});
