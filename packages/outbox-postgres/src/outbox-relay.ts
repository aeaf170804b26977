import { backoffDelay, type MessageInput, type Producer } from '@omnibus/core';
import type pg from 'pg';
import { mapPostgresError } from './map-postgres-error.js';
import type { OutboxSettings } from './outbox-options.js';
import type { OutboxStatements } from './outbox-statements.js';
import { notifyChannel, qualified } from './outbox-tables.js';

/** A relay of one outbox table: sends committed rows through the bus and marks them sent. */
export interface OutboxRelay {
  /** Listens for commits and begins relaying in the background. Idempotent while running. */
  start(): Promise<void>;
  /**
   * Stops relaying: lets the batch in flight finish (at most `stopTimeoutMs`, then abandons it to
   * be sent again by the next relay), and releases its connections. Idempotent.
   */
  stop(): Promise<void>;
  /** Whether the relay is started. */
  readonly running: boolean;
  /**
   * Relays one batch now, in a transaction of its own, and resolves to how many rows it sent.
   * Useful for a scheduled job instead of `start()`, and in tests.
   */
  relayBatch(): Promise<number>;
  /** Deletes sent rows older than the retention, in bounded batches; resolves to how many. */
  purgeSent(): Promise<number>;
}

interface SendableRow {
  position: string;
  destination_kind: 'queue' | 'topic' | 'event';
  destination: string | null;
  ordering: 'key' | 'none';
  envelope: string;
}

interface BatchOutcome {
  /** Rows locked by this relay. */
  readonly locked: number;
  /** Rows sent and marked. */
  readonly sent: number;
}

const PURGE_LIMIT = 1_000;
// A relay whose whole batch waits behind another relay's rows of the same keys looks again soon,
// rather than after the full poll interval.
const BLOCKED_RETRY_MS = 50;

/**
 * The relay loop. Each batch is one transaction: lock due rows with `FOR UPDATE SKIP LOCKED`, keep
 * those whose key has no earlier unsent row elsewhere, send them through the bus (which resolves
 * only on the broker's confirm), mark them sent, commit. A crash between the send and the commit
 * rolls the marks back, so those rows are sent again: duplicates with the same message ids, which
 * the idempotency middleware recognises; never a loss.
 */
export function createOutboxRelay(settings: OutboxSettings, statements: OutboxStatements): OutboxRelay {
  const { pool, bus, logger, relay: pacing } = settings;
  const table = qualified(settings.name);
  const channel = notifyChannel(settings.name);
  const producers = new Map<string, Producer>();
  const backoff = { initialMs: 100, maxMs: pacing.maxBackoffMs, factor: 2, jitter: true };

  let running = false;
  let loop: Promise<void> | undefined;
  let listener: pg.PoolClient | undefined;
  // Releases the connection of the batch in flight, once, whoever gets there first.
  let releaseBatch: ((error?: Error) => void) | undefined;
  let wakePending = false;
  let wakeWaiter: (() => void) | undefined;

  const wake = () => {
    if (wakeWaiter) wakeWaiter();
    else wakePending = true;
  };

  /** Waits `ms`, or less if a commit is notified or the relay stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakePending || !running) {
        wakePending = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeWaiter = undefined;
        resolve();
      }
      wakeWaiter = done;
    });

  async function listen(): Promise<void> {
    if (listener) return;
    const client = await pool.connect();
    const onError = (error: Error) => {
      // The LISTEN connection broke (a database restart): polling carries on, and the next idle
      // moment listens again on a fresh connection.
      logger.warn(`Outbox relay of ${table} lost its LISTEN connection; polling until it is back.`, {
        error: error.message,
      });
      if (listener === client) listener = undefined;
      client.removeListener('error', onError);
      client.release(error);
      wake();
    };
    client.on('error', onError);
    client.on('notification', (notification) => {
      if (notification.channel === channel) wake();
    });
    try {
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      client.removeListener('error', onError);
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    listener = client;
  }

  async function unlisten(): Promise<void> {
    const client = listener;
    listener = undefined;
    // Closing the connection ends the LISTEN with it; a pooled connection must not keep listening.
    client?.release(true);
  }

  function producerFor(queue: string, ordering: 'key' | 'none'): Producer {
    const id = `${ordering}\u0000${queue}`;
    let producer = producers.get(id);
    if (!producer) {
      producer = bus.producer(queue, { ordering });
      producers.set(id, producer);
    }
    return producer;
  }

  function dispatch(row: SendableRow, envelopes: MessageInput[]): Promise<void> {
    switch (row.destination_kind) {
      case 'queue':
        return producerFor(row.destination ?? '', row.ordering).send(envelopes);
      case 'topic':
        return bus.topic(row.destination ?? '').publish(envelopes);
      case 'event':
        return bus.emit(envelopes);
    }
  }

  async function runBatch(): Promise<BatchOutcome> {
    const client = await pool.connect();
    // A connection that breaks while checked out (a database restart) emits 'error'; its pending
    // query rejects on its own, so the event must not crash the process.
    const ignore = () => {};
    client.on('error', ignore);
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.removeListener('error', ignore);
      client.release(error);
    };
    releaseBatch = release;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const locked = await client.query<{ position: string }>(statements.lock, [pacing.batchSize]);
      if (locked.rows.length === 0) {
        await client.query('COMMIT');
        return { locked: 0, sent: 0 };
      }
      const positions = locked.rows.map((row) => row.position);
      const { rows } = await client.query<SendableRow>(statements.sendable, [positions]);

      // One bus call per destination, in position order within it; destinations go in parallel.
      const groups = new Map<string, SendableRow[]>();
      for (const row of rows) {
        const id = `${row.destination_kind}\u0000${row.ordering}\u0000${row.destination ?? ''}`;
        const group = groups.get(id);
        if (group) group.push(row);
        else groups.set(id, [row]);
      }
      const outcomes = await Promise.allSettled(
        [...groups.values()].map((group) =>
          dispatch(
            group[0]!,
            group.map((row) => JSON.parse(row.envelope) as MessageInput),
          ),
        ),
      );
      const sent: string[] = [];
      const failures: { positions: string[]; error: unknown }[] = [];
      [...groups.values()].forEach((group, index) => {
        const outcome = outcomes[index]!;
        const groupPositions = group.map((row) => row.position);
        if (outcome.status === 'fulfilled') sent.push(...groupPositions);
        else failures.push({ positions: groupPositions, error: outcome.reason });
      });
      if (sent.length > 0) await client.query(statements.markSent, [sent]);
      for (const failure of failures) {
        await client.query(statements.markFailed, [failure.positions, describe(failure.error)]);
      }
      await client.query('COMMIT');
      if (failures.length > 0) throw failures[0]!.error;
      return { locked: positions.length, sent: sent.length };
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      if (releaseBatch === release) releaseBatch = undefined;
      // A connection whose transaction failed is closed rather than reused: it may be mid-protocol.
      release(broken);
    }
  }

  async function purgeSent(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await pool
        .query(statements.purgeSent, [pacing.retentionMs, PURGE_LIMIT])
        .catch((error: unknown) => {
          throw mapPostgresError(error, 'deleting sent outbox rows', table);
        });
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_LIMIT) return total;
    }
  }

  async function idleWait(): Promise<void> {
    if (!listener) await listen().catch(() => {});
    const { rows } = await pool.query<{ due_in_ms: number | null }>(statements.nextDue);
    const due = rows[0]?.due_in_ms;
    await pause(
      due === null || due === undefined
        ? pacing.pollIntervalMs
        : Math.min(pacing.pollIntervalMs, Math.max(1, due)),
    );
  }

  async function run(): Promise<void> {
    let failures = 0;
    let lastPurge = 0;
    while (running) {
      try {
        const outcome = await runBatch();
        failures = 0;
        if (Date.now() - lastPurge >= pacing.cleanupIntervalMs) {
          lastPurge = Date.now();
          await purgeSent();
        }
        if (!running) break;
        if (outcome.locked >= pacing.batchSize && outcome.sent > 0) continue;
        if (outcome.locked > 0 && outcome.sent === 0) await pause(BLOCKED_RETRY_MS);
        else await idleWait();
      } catch (error) {
        if (!running) break;
        failures++;
        const wait = backoffDelay(backoff, failures);
        logger.error(`Outbox relay of ${table} failed; trying again in ${wait} ms.`, {
          error: describe(error),
        });
        await pause(wait);
      }
    }
  }

  return {
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      running = true;
      wakePending = true;
      // Without LISTEN the relay still works, by polling; a database that is down now is retried.
      await listen().catch((error: unknown) => {
        logger.warn(`Outbox relay of ${table} could not LISTEN yet; polling.`, { error: describe(error) });
      });
      loop = run();
    },
    async stop() {
      if (!running && !loop) return;
      running = false;
      wake();
      const finished = loop;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        finished?.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), pacing.stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut && releaseBatch) {
        logger.warn(
          `Outbox relay of ${table} abandoned a batch still sending after ${pacing.stopTimeoutMs} ms; its rows will be sent again.`,
        );
        // Closing the connection rolls the batch back: its rows stay unsent for the next relay.
        releaseBatch(new Error('The outbox relay stopped.'));
        releaseBatch = undefined;
      }
      loop = undefined;
      await unlisten();
    },
    async relayBatch() {
      return (await runBatch()).sent;
    },
    purgeSent,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
