import { serviceUnavailable } from '@omnibus/contract-tests';
import { type Bus, createBus, createConsoleLogger, PermanentError } from '@omnibus/core';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMissing, runBuiltCli } from './run-built-cli.js';
import { until } from './until.js';

const URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const unavailable =
  buildMissing() ??
  (await serviceUnavailable({
    name: 'RabbitMQ',
    url: URL,
    defaultPort: 5672,
    howToStart: '`rabbitmq-server -detached` (or set RABBITMQ_URL)',
  }));
const env = { OMNIBUS_TRANSPORT: URL };
const run = Date.now().toString(36);

describe.skipIf(unavailable !== undefined)('omnibus dlq on RabbitMQ (the built bin)', () => {
  let bus: Bus;
  let connection: amqp.ChannelModel;
  const created: string[] = [];

  beforeAll(async () => {
    bus = await createBus({ transport: URL, source: 'cli-test', logger: createConsoleLogger('error') });
    connection = await amqp.connect(URL);
  });
  afterAll(async () => {
    await bus?.close();
    for (const queue of created) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
    await connection?.close();
  });

  /** A queue whose consumer rejects everything, with `count` dead letters in it. */
  async function deadLettered(label: string, count: number): Promise<{ queue: string; ids: string[] }> {
    const queue = `cli-${label}-${run}`;
    created.push(queue, `${queue}.dlq`);
    const consumer = bus.consumer(queue, () => Promise.reject(new PermanentError('card declined')), {
      concurrency: 16,
    });
    await consumer.start();
    const ids = Array.from({ length: count }, (_, n) => `${label}-${run}-${n}`);
    for (let start = 0; start < count; start += 500)
      await bus
        .producer(queue)
        .send(
          ids.slice(start, start + 500).map((id, n) => ({ id, type: 'ChargeCard', data: { n: start + n } })),
        );
    await until(async () => (await bus.deadLetters(queue).count()).count === count, `${count} dead letters`);
    await consumer.stop();
    return { queue, ids };
  }

  async function ready(queue: string): Promise<number> {
    const channel = await connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  it('counts, peeks, redrives by id and pattern, and purges, with --json output matching the broker', async () => {
    const { queue, ids } = await deadLettered('ops', 5);
    const target = `cli-ops-target-${run}`;
    created.push(target, `${target}.dlq`);
    const channel = await connection.createChannel();
    await channel.assertQueue(target, {
      durable: true,
      arguments: {
        'x-queue-type': 'classic',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': `${target}.dlq`,
      },
    });
    await channel.close();

    const count = await runBuiltCli(['dlq', 'count', queue, '--json'], env);
    expect(count.code).toBe(0);
    expect(count.json()).toEqual({ count: 5, accuracy: 'exact' });

    const peek = await runBuiltCli(['dlq', 'peek', queue, '--limit', '2', '--json'], env);
    expect(peek.code).toBe(0);
    const letters =
      peek.json<{ id: string; type: string; data: { n: number }; failure: Record<string, unknown> }[]>();
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      type: 'ChargeCard',
      decoded: true,
      failure: {
        reason: 'PermanentError: card declined',
        errorType: 'PermanentError',
        attempts: 1,
        originalQueue: queue,
      },
    });
    expect(await ready(`${queue}.dlq`)).toBe(5);

    // Destructive without --yes and without a terminal: refused, nothing moved.
    const refused = await runBuiltCli(['dlq', 'redrive', queue, '--to', target, '--json'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await ready(`${queue}.dlq`)).toBe(5);

    const byId = await runBuiltCli(
      ['dlq', 'redrive', queue, '--id', ids[0]!, '--to', target, '--yes', '--json'],
      env,
    );
    expect(byId.code).toBe(0);
    expect(byId.json()).toMatchObject({ moved: 1, failed: 0, interrupted: false });
    const byPattern = await runBuiltCli(
      ['dlq', 'redrive', queue, '--pattern', '{"data":{"n":[3,4]}}', '--to', target, '--yes', '--json'],
      env,
    );
    expect(byPattern.json()).toMatchObject({ moved: 2, skipped: 2, failed: 0 });
    expect(await ready(target)).toBe(3);
    expect(await ready(`${queue}.dlq`)).toBe(2);

    const purgeOne = await runBuiltCli(['dlq', 'purge', queue, '--id', ids[1]!, '--yes', '--json'], env);
    expect(purgeOne.json()).toMatchObject({ purged: 1, failed: 0 });
    const left = await runBuiltCli(['dlq', 'peek', queue, '--json'], env);
    expect(left.json<{ id: string }[]>().map((letter) => letter.id)).toEqual([ids[2]]);
    const purgeAll = await runBuiltCli(['dlq', 'purge', queue, '--yes', '--json'], env);
    expect(purgeAll.json()).toMatchObject({ purged: 1 });
    expect(await ready(`${queue}.dlq`)).toBe(0);
  }, 60_000);

  it('redrives back to the queue they failed on, where a fixed consumer handles each once', async () => {
    const { queue, ids } = await deadLettered('back', 3);
    const handled: string[] = [];
    const consumer = bus.consumer(queue, (message) => {
      handled.push(message.id);
    });
    await consumer.start();
    const result = await runBuiltCli(['dlq', 'redrive', queue, '--yes', '--json', '--rate', '100'], env);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ moved: 3, skipped: 0, failed: 0 });
    await until(() => handled.length === 3, 'the three redriven messages');
    await consumer.stop();
    expect(handled.sort()).toEqual([...ids].sort());
  }, 60_000);

  it('a redrive killed mid-way (SIGKILL) loses nothing', async () => {
    const { queue } = await deadLettered('killed', 300);
    const target = `cli-killed-target-${run}`;
    created.push(target, `${target}.dlq`);
    const channel = await connection.createChannel();
    await channel.assertQueue(target, {
      durable: true,
      arguments: {
        'x-queue-type': 'classic',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': `${target}.dlq`,
      },
    });
    await channel.close();

    const killed = await runBuiltCli(
      ['dlq', 'redrive', queue, '--to', target, '--rate', '100', '--yes', '--json'],
      env,
      {
        onSpawn: (kill) => {
          void until(async () => (await ready(target)) >= 20, 'the redrive under way').then(() =>
            kill('SIGKILL'),
          );
        },
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    const moved = await ready(target);
    expect(moved).toBeGreaterThanOrEqual(20);
    expect(moved).toBeLessThan(300);
    // The killed process's leases come back to the dead-letter queue: every message is somewhere.
    await until(
      async () => (await ready(`${queue}.dlq`)) + (await ready(target)) >= 300,
      'all 300 accounted for',
    );
  }, 90_000);

  it('fails with exit 1 naming a missing queue, and with exit 2 on a bad command line', async () => {
    const missing = await runBuiltCli(['dlq', 'count', `cli-missing-${run}`, '--json'], env);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: 'configuration' } });
    expect(missing.stderr).toContain(`cli-missing-${run}`);
    expect(missing.stderr).not.toContain('guest:guest');

    for (const args of [
      ['dlq', 'peek', 'q', '--limit', 'zero'],
      ['dlq', 'shred', 'q'],
      ['dlq', 'count'],
      ['nope'],
      ['dlq', 'redrive', 'q', '--pattern', '{bad'],
    ]) {
      const bad = await runBuiltCli(args, env);
      expect(bad.code, args.join(' ')).toBe(2);
    }
    const noTransport = await runBuiltCli(['dlq', 'count', 'q'], { OMNIBUS_TRANSPORT: '' });
    expect(noTransport.code).toBe(2);
  }, 60_000);

  it('doctor reports connectivity, capabilities and dead-letter permissions', async () => {
    const { queue } = await deadLettered('doctor', 1);
    const healthy = await runBuiltCli(['doctor', '--queue', queue, '--json'], env);
    expect(healthy.code).toBe(0);
    const report = healthy.json<{ ok: boolean; checks: { name: string; ok: boolean }[] }>();
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual([
      'connectivity and credentials',
      'capabilities',
      'dead-letter management',
      `permissions on '${queue}'`,
    ]);
    const wrongPassword = await runBuiltCli(['doctor'], {
      OMNIBUS_TRANSPORT: URL.replace(/:[^:@/]*@/, ':wrong-secret@'),
    });
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stdout).toMatch(/FAIL {2}connectivity and credentials/);
    expect(wrongPassword.stdout).toMatch(/fix: /);
    expect(wrongPassword.stdout + wrongPassword.stderr).not.toContain('wrong-secret');
  }, 60_000);
});
