import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Bus, IdempotencyStore } from '@omnibus/core';
import type pg from 'pg';
import { expect } from 'vitest';
import { createPostgresOutbox } from '../src/index.js';
import { startLedger } from './delivery-ledger.js';
import { inTransaction, waitFor } from './postgres-server.js';

const victim = fileURLToPath(new URL('./fixtures/relay-killed-after-send.ts', import.meta.url));

/** Where the scenario runs. */
export interface SigkillScenarioOptions {
  readonly pool: pg.Pool;
  readonly databaseUrl: string;
  readonly schema: string;
  /** The consumer's bus, on the same transport as `transportUrl`. */
  readonly bus: Bus;
  /** The URL the killed relay process connects with. */
  readonly transportUrl: string;
  readonly store: IdempotencyStore;
  readonly queue: string;
  /** Extra environment of the relay process (e.g. emulator credentials). */
  readonly env?: Record<string, string>;
}

/**
 * Commits 140 messages (and rolls back 60) in the outbox, runs a relay process that is SIGKILLed
 * right after the broker confirmed its first batch of 50, then lets a healthy relay finish. Asserts
 * every committed message was handled exactly once (the victim's 50 delivered twice), and no
 * rolled-back message was ever delivered.
 */
export async function runSigkillScenario(options: SigkillScenarioOptions): Promise<void> {
  const { pool, schema, bus, queue } = options;
  const outbox = createPostgresOutbox({ pool, bus, schema, relay: { pollIntervalMs: 100 } });
  const ledger = await startLedger(bus, queue, options.store);
  try {
    const committed: string[] = [];
    const rolledBack: string[] = [];
    for (let transaction = 0; transaction < 10; transaction++) {
      const messages = Array.from({ length: 20 }, (_, index) => ({
        type: 'StockReserved',
        data: { transaction, index },
      }));
      if (transaction % 3 === 2) {
        await inTransaction(pool, async (client) => {
          rolledBack.push(...(await outbox.send(client, queue, messages)));
          throw new Error('rolled back on purpose');
        }).catch(() => {});
      } else {
        committed.push(...(await inTransaction(pool, (client) => outbox.send(client, queue, messages))));
      }
    }

    const child = spawn(
      process.execPath,
      [
        '--conditions=@omnibus/source',
        '--import',
        'tsx',
        victim,
        options.databaseUrl,
        options.transportUrl,
        schema,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, exitSignal) => resolve(exitSignal)),
    );
    expect(signal).toBe('SIGKILL');
    expect(output).toContain('confirmed 50');
    // The victim's batch reached the broker but was never marked sent.
    await waitFor(() => ledger.total(ledger.deliveries) >= 50, 'the victim batch to arrive');
    const { rows } = await pool.query(
      `SELECT count(*)::int AS unsent FROM "${schema}".omnibus_outbox WHERE destination = $1 AND sent_at IS NULL`,
      [queue],
    );
    expect(rows[0].unsent).toBe(committed.length);

    await outbox.start();
    await waitFor(
      () => committed.every((id) => ledger.handled.has(id)),
      'every committed message to be handled',
      30_000,
    );
    await outbox.stop();
    await waitFor(() => ledger.total(ledger.deliveries) >= committed.length + 50, 'the duplicates to arrive');
    for (const id of committed) expect(ledger.handled.get(id)).toBe(1);
    for (const id of rolledBack) expect(ledger.deliveries.has(id)).toBe(false);
    expect(ledger.handled.size).toBe(committed.length);
    // The victim's 50 arrived twice: once from the victim, once from the relay that took over.
    expect([...ledger.deliveries.values()].filter((count) => count === 2)).toHaveLength(50);
  } finally {
    await outbox.stop();
    await ledger.consumer.stop();
  }
}
