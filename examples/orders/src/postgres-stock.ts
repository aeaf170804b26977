import type pg from 'pg';
import type { StockLedger } from './inventory.js';

type Line = { sku: string; quantity: number };

/**
 * The stock records in PostgreSQL, beside the outbox: the stock service reserves inside its inbox
 * transaction (`reserveIn`), so the reservation, the message's inbox key and the `StockReserved`
 * outbox row commit together. Each run keeps its tables in a schema of its own.
 */
export class PostgresStockLedger implements StockLedger {
  private constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {}

  /** Creates the run's schema with `stock` rows for every SKU. */
  static async open(
    pool: pg.Pool,
    schema: string,
    stock: Record<string, number>,
  ): Promise<PostgresStockLedger> {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".stock (
  sku text PRIMARY KEY, initial int NOT NULL, available int NOT NULL, sold int NOT NULL DEFAULT 0)`);
    await pool.query(`CREATE TABLE "${schema}".reservations (
  order_id text PRIMARY KEY, items json NOT NULL, state text NOT NULL CHECK (state IN ('reserved', 'sold', 'released')))`);
    for (const [sku, quantity] of Object.entries(stock)) {
      await pool.query(`INSERT INTO "${schema}".stock (sku, initial, available) VALUES ($1, $2, $2)`, [
        sku,
        quantity,
      ]);
    }
    return new PostgresStockLedger(pool, schema);
  }

  /** Reserves within the caller's transaction; idempotent per order; throws if stock is short. */
  async reserveIn(db: pg.ClientBase, orderId: string, items: Line[]): Promise<void> {
    const existing = await db.query(`SELECT 1 FROM "${this.schema}".reservations WHERE order_id = $1`, [
      orderId,
    ]);
    if (existing.rowCount) return;
    for (const item of items) {
      const taken = await db.query(
        `UPDATE "${this.schema}".stock SET available = available - $2 WHERE sku = $1 AND available >= $2`,
        [item.sku, item.quantity],
      );
      if (taken.rowCount !== 1) throw new Error(`Not enough ${item.sku} for order ${orderId}`);
    }
    await db.query(`INSERT INTO "${this.schema}".reservations VALUES ($1, $2, 'reserved')`, [
      orderId,
      JSON.stringify(items),
    ]);
  }

  async reserve(orderId: string, items: Line[]): Promise<void> {
    await this.inTransaction((db) => this.reserveIn(db, orderId, items));
  }

  async isReserved(orderId: string): Promise<boolean> {
    return (await this.stateOf(orderId)) === 'reserved';
  }

  async isSettled(orderId: string): Promise<boolean> {
    const state = await this.stateOf(orderId);
    return state === 'sold' || state === 'released';
  }

  commit(orderId: string): Promise<void> {
    return this.settle(orderId, 'sold', 'sold = sold + $2');
  }

  release(orderId: string): Promise<void> {
    return this.settle(orderId, 'released', 'available = available + $2');
  }

  /** Nothing left reserved, and every unit is either on the shelf or sold. */
  async isConsistent(): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT (SELECT count(*) FROM "${this.schema}".reservations WHERE state = 'reserved')::int AS open,
              (SELECT count(*) FROM "${this.schema}".stock WHERE available + sold <> initial)::int AS off`,
    );
    return rows[0].open === 0 && rows[0].off === 0;
  }

  /** Drops the run's schema. */
  async drop(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }

  private async stateOf(orderId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query(
      `SELECT state FROM "${this.schema}".reservations WHERE order_id = $1`,
      [orderId],
    );
    return rows[0]?.state;
  }

  private settle(orderId: string, state: 'sold' | 'released', change: string): Promise<void> {
    return this.inTransaction(async (db) => {
      const { rows } = await db.query(
        `UPDATE "${this.schema}".reservations SET state = $2 WHERE order_id = $1 AND state = 'reserved' RETURNING items`,
        [orderId, state],
      );
      const items = (rows[0]?.items ?? []) as Line[];
      for (const item of items) {
        await db.query(`UPDATE "${this.schema}".stock SET ${change} WHERE sku = $1`, [
          item.sku,
          item.quantity,
        ]);
      }
    });
  }

  private async inTransaction(work: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      await work(db);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      db.release();
    }
  }
}
