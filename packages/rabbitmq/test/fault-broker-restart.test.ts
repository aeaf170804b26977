// BROKER RESTART FAULT TEST — it stops and starts the whole local RabbitMQ application
// (`rabbitmqctl stop_app` / `start_app`), which disconnects every client of the broker. It runs
// only when OMNIBUS_RABBITMQ_RESTART_TEST=1 (as `.ci/run` sets it), keeps the outage to a few
// seconds, and always starts the broker again, even when the test fails.
import { createBus, idempotency, MemoryIdempotencyStore } from '@omnibus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { brokerReachable, RABBITMQ_URL } from './broker.js';
import { deleteQueues, rabbitmqctl, sleep, uniqueName, until } from './support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const enabled = process.env.OMNIBUS_RABBITMQ_RESTART_TEST === '1';
const reachable = enabled && (await brokerReachable());

describe.runIf(reachable)('(a) the broker restarts while 5,000 messages are sent and consumed', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('handles every confirmed message, its effect exactly once, and resumes by itself', {
    timeout: 180_000,
  }, async () => {
    const queue = uniqueName('restart');
    const transport = createRabbitMqTransport({
      url: RABBITMQ_URL,
      sendTimeoutMs: 30_000,
      reconnect: { initialMs: 100, maxMs: 1_000 },
      logger: silent,
    });
    const bus = await createBus({ transport, logger: silent });
    closers.push(() => bus.close());
    closers.push(() => deleteQueues(RABBITMQ_URL, [queue]));

    const effects = new Map<string, number>();
    let handledAfterRestart = 0;
    let deliveries = 0;
    let restarted = false;
    const consumer = bus.consumer(
      queue,
      async (message) => {
        effects.set(message.id, (effects.get(message.id) ?? 0) + 1);
        if (restarted) handledAfterRestart++;
      },
      {
        concurrency: 50,
        middleware: [
          (_message, _context, next) => {
            deliveries++;
            return next();
          },
          idempotency({ store: new MemoryIdempotencyStore() }),
        ],
      },
    );
    await consumer.start();

    const total = 5_000;
    const confirmed: string[] = [];
    let refused = 0;
    const producer = bus.producer(queue);
    let next = 0;
    const sendLoop = async () => {
      while (next < total) {
        const batch = Array.from({ length: Math.min(25, total - next) }, () => {
          const id = `${queue}-${next++}`;
          return { id, type: 'Counted', data: { id } };
        });
        try {
          await producer.send(batch);
          for (const message of batch) confirmed.push(message.id);
        } catch {
          refused += batch.length; // not confirmed: may or may not arrive, never counted as sent
        }
        // Paced at ~500 msg/s so that sending spans the outage.
        await sleep(200);
      }
    };
    const sending = Promise.all([sendLoop(), sendLoop(), sendLoop(), sendLoop()]);

    await until(() => confirmed.length >= 1_000, '1,000 confirmed sends', 60_000);
    try {
      await rabbitmqctl('stop_app');
      await sleep(2_000);
    } finally {
      await rabbitmqctl('start_app');
      restarted = true;
    }
    await sending;
    await until(
      () => confirmed.every((id) => effects.has(id)),
      'every confirmed message to be handled',
      90_000,
    );
    await consumer.stop();

    expect(confirmed.length + refused).toBe(total);
    expect(confirmed.length).toBeGreaterThan(1_000);
    for (const id of confirmed) expect(effects.get(id)).toBe(1);
    expect([...effects.values()].every((count) => count === 1)).toBe(true);
    expect(handledAfterRestart).toBeGreaterThan(0);
    expect(deliveries).toBeGreaterThanOrEqual(confirmed.length);
    console.info(
      `broker restart: ${confirmed.length} confirmed, ${refused} refused, ${deliveries} deliveries, ${effects.size} effects (each once)`,
    );
  });
});
