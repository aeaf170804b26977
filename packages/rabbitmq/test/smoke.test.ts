import { createBus, type Message } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { RABBITMQ_URL } from './broker.js';

const rnd = () => Math.random().toString(16).slice(2, 10);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('smoke', () => {
  it('send / consume / retry / dlq / topic / rule', async () => {
    const bus = await createBus({ transport: createRabbitMqTransport({ url: RABBITMQ_URL }), source: `smoke-${rnd()}` });
    const q = `smoke-${rnd()}`;
    const seen: Message[] = [];
    const c = bus.consumer(q, async (m) => {
      seen.push(m);
      if ((m.data as { fail?: number }).fail && m.attempt < 3) throw new Error('boom');
      if ((m.data as { poison?: boolean }).poison) throw new Error('poison');
    }, { retry: { attempts: 3, backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: false } } });
    await c.start();
    await bus.producer(q).send([{ type: 'A', data: { n: 1 } , headers: { h: 'v' } }, { type: 'B', data: { fail: 1 } }, { type: 'C', data: { poison: true } }]);
    await bus.producer(q).send({ type: 'D', data: {} }, { delayMs: 300 });
    await wait(2500);
    console.log(seen.map((m) => `${m.type}#${m.attempt}`).join(' '));
    const dl: Message[] = [];
    const d = bus.deadLetters(q).consume(async (m) => { dl.push(m); });
    await d.start();
    await wait(500);
    console.log(dl.map((m) => `${m.type} ${JSON.stringify(m.headers)}`));
    const t = `smoke-t-${rnd()}`;
    const got: string[] = [];
    const s1 = bus.topic(t).subscribe('one', async (m) => { got.push(`one:${m.type}`); });
    const s2 = bus.topic(t).subscribe('two', async (m) => { got.push(`two:${m.type}`); });
    await s1.start(); await s2.start();
    await bus.topic(t).publish({ type: 'T', data: 1 });
    const rq = `smoke-r-${rnd()}`;
    await bus.rule(`smoke-${rnd()}`, { pattern: { type: ['E'], data: { x: [{ numeric: ['>', 5] }] } }, target: { queue: rq } });
    const rs: unknown[] = [];
    const rc = bus.consumer(rq, async (m) => { rs.push(m.data); });
    await rc.start();
    await bus.emit([{ type: 'E', data: { x: 6 } }, { type: 'E', data: { x: 1 } }, { type: 'F', data: { x: 9 } }]);
    await wait(800);
    console.log(got, rs);
    await bus.close();
    expect(seen.length).toBeGreaterThan(3);
  });
});
