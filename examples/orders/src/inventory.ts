/**
 * What the stock and fulfillment services need of the stock records. Each operation is idempotent
 * per order. The single-process example keeps them in memory ({@link Inventory}); the multi-process
 * run keeps them in Redis, where every service process sees the same stock.
 */
export interface StockLedger {
  reserve(orderId: string, items: { sku: string; quantity: number }[]): void | Promise<void>;
  isReserved(orderId: string): boolean | Promise<boolean>;
  isSettled(orderId: string): boolean | Promise<boolean>;
  /** The reservation becomes a sale. */
  commit(orderId: string): void | Promise<void>;
  /** The reservation goes back on the shelf. */
  release(orderId: string): void | Promise<void>;
}

/**
 * Stock per SKU with reservations: reserve sets items aside for an order, commit turns a
 * reservation into a sale, release puts it back. Each operation is idempotent per order, because
 * at-least-once delivery can run it more than once.
 */
export class Inventory implements StockLedger {
  readonly #available = new Map<string, number>();
  readonly #initial = new Map<string, number>();
  readonly #reservations = new Map<string, { sku: string; quantity: number }[]>();
  readonly #sold = new Map<string, number>();
  readonly #settled = new Set<string>();

  constructor(stock: Record<string, number>) {
    for (const [sku, quantity] of Object.entries(stock)) {
      this.#available.set(sku, quantity);
      this.#initial.set(sku, quantity);
    }
  }

  reserve(orderId: string, items: { sku: string; quantity: number }[]): void {
    if (this.#reservations.has(orderId) || this.#settled.has(orderId)) return;
    for (const item of items) {
      const available = this.#available.get(item.sku) ?? 0;
      if (available < item.quantity) throw new Error(`Not enough ${item.sku} for order ${orderId}`);
    }
    for (const item of items)
      this.#available.set(item.sku, (this.#available.get(item.sku) ?? 0) - item.quantity);
    this.#reservations.set(orderId, items);
  }

  isReserved(orderId: string): boolean {
    return this.#reservations.has(orderId);
  }

  isSettled(orderId: string): boolean {
    return this.#settled.has(orderId);
  }

  /** The reservation becomes a sale. */
  commit(orderId: string): void {
    const items = this.#reservations.get(orderId);
    if (!items) return;
    for (const item of items) this.#sold.set(item.sku, (this.#sold.get(item.sku) ?? 0) + item.quantity);
    this.#reservations.delete(orderId);
    this.#settled.add(orderId);
  }

  /** The reservation goes back on the shelf. */
  release(orderId: string): void {
    const items = this.#reservations.get(orderId);
    if (!items) return;
    for (const item of items)
      this.#available.set(item.sku, (this.#available.get(item.sku) ?? 0) + item.quantity);
    this.#reservations.delete(orderId);
    this.#settled.add(orderId);
  }

  /** Nothing left reserved, and every unit is either on the shelf or sold. */
  isConsistent(): boolean {
    if (this.#reservations.size > 0) return false;
    for (const [sku, initial] of this.#initial) {
      if ((this.#available.get(sku) ?? 0) + (this.#sold.get(sku) ?? 0) !== initial) return false;
    }
    return true;
  }
}
