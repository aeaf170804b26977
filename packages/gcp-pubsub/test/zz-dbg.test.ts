import { encodeMessage } from '@omnibus/core';
import { it } from 'vitest';
import { createGcpPubSubTransport } from '../src/index.js';
it('dbg', async () => {
  const t = createGcpPubSubTransport({ projectId: 'omnibus-test', emulatorHost: '127.0.0.1:8085' });
  await t.connect();
  const q = `dbg-${Date.now()}`;
  const t0 = Date.now();
  await t.send(q, [encodeMessage({ type: 'X', data: 1 }, { source: 's' })], {});
  console.log('sent', Date.now() - t0);
  let n = 0;
  const s = await t.consume({ kind: 'queue', queue: q }, async (d) => { n++; console.log('got', d.attempt, Date.now() - t0); await d.retry(0); }, { concurrency: 1, ordering: 'none', maxAttempts: 5 });
  const d = await t.consume({ kind: 'dead-letter', of: { kind: 'queue', queue: q } }, async (dl) => { console.log('DLQ', dl.attempt, dl.message.attributes, Date.now() - t0); await dl.ack(); }, { concurrency: 1, ordering: 'none', maxAttempts: 5 });
  await new Promise((r) => setTimeout(r, 8000));
  await s.stop(); await d.stop(); await t.close();
}, 30000);
