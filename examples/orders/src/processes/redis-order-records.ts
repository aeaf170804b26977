import type { Charge, CardProcessor } from '../payment-gateway.js';
import type { StockLedger } from '../inventory.js';
import { DECLINED_CARD } from '../order-book.js';
import type { Recorder } from '../recorder.js';
import type { OutboxWriter } from '../services/notification-service.js';

/** The node-redis calls these records use (a client from `createClient`). */
export interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hGetAll(key: string): Promise<Record<string, string>>;
  hExists(key: string, field: string): Promise<boolean | number>;
  sIsMember(key: string, member: string): Promise<boolean | number>;
  sAdd(key: string, member: string): Promise<unknown>;
  sCard(key: string): Promise<number>;
  hLen(key: string): Promise<number>;
  keys(pattern: string): Promise<string[]>;
  del(keys: string[]): Promise<number>;
}

/**
 * The order example's state for the multi-process run, in Redis so that every service process sees
 * the same stock, charges and notifications, and so that killing a process loses none of them.
 * Every key starts with the run's id. Each operation that reads and then writes is one Lua script,
 * so a process killed half-way leaves nothing half-done.
 */
export class RedisOrderRecords {
  readonly #redis: RedisCommands;
  readonly #key: (name: string) => string;

  constructor(redis: RedisCommands, runId: string) {
    this.#redis = redis;
    this.#key = (name) => `omnibus-example:${runId}:${name}`;
  }

  /** Puts `quantity` of each SKU on the shelf (once per run). */
  async stock(initial: Record<string, number>): Promise<void> {
    for (const [sku, quantity] of Object.entries(initial)) {
      await this.#redis.hSet(this.#key('initial'), sku, String(quantity));
      await this.#redis.hSet(this.#key('available'), sku, String(quantity));
    }
  }

  /** The stock records, shared by the stock and fulfillment services. */
  readonly inventory: StockLedger = {
    reserve: async (orderId, items) => {
      const reply = await this.#redis.eval(RESERVE, {
        keys: [this.#key('available'), this.#key('reservations'), this.#key('settled')],
        arguments: [orderId, JSON.stringify(items)],
      });
      if (reply !== 'ok') throw new Error(`Not enough ${String(reply)} for order ${orderId}`);
    },
    isReserved: async (orderId) => Boolean(await this.#redis.hExists(this.#key('reservations'), orderId)),
    isSettled: async (orderId) => Boolean(await this.#redis.sIsMember(this.#key('settled'), orderId)),
    commit: async (orderId) => {
      await this.#settle(orderId, 'sold');
    },
    release: async (orderId) => {
      await this.#settle(orderId, 'available');
    },
  };

  /** A card processor that charges once per idempotency key and counts charges per order. */
  readonly gateway: CardProcessor = {
    charge: async (request) => {
      const reply = (await this.#redis.eval(CHARGE, {
        keys: [this.#key('charges'), this.#key('charges-by-order')],
        arguments: [request.idempotencyKey, request.orderId, request.card === DECLINED_CARD ? '0' : '1'],
      })) as string;
      const [chargeId = '', approved] = reply.split('|');
      return { chargeId, approved: approved === '1' } satisfies Charge;
    },
  };

  readonly email: OutboxWriter = {
    set: (orderId, type) => this.#redis.hSet(this.#key('email'), orderId, type),
  };
  readonly sms: OutboxWriter = { set: (orderId, type) => this.#redis.hSet(this.#key('sms'), orderId, type) };
  readonly purchaseOrders: Recorder = {
    add: (orderId) => this.#redis.sAdd(this.#key('purchase-orders'), orderId),
  };
  readonly alerts: Recorder = { add: (orderId) => this.#redis.sAdd(this.#key('alerts'), orderId) };

  /** Payment commands handled so far (each charged or declined once). */
  paymentsHandled(): Promise<number> {
    return this.#redis.hLen(this.#key('charges'));
  }

  /** Orders whose customer got both the email and the SMS. */
  async notified(): Promise<number> {
    const [email, sms] = await Promise.all([
      this.#redis.hGetAll(this.#key('email')),
      this.#redis.hGetAll(this.#key('sms')),
    ]);
    return Object.keys(email).filter((orderId) => orderId in sms).length;
  }

  /** Everything the invariants are checked on, read once at the end of a run. */
  async snapshot(): Promise<RecordsSnapshot> {
    const [email, sms, chargesByOrder, initial, available, sold, reservations] = await Promise.all(
      ['email', 'sms', 'charges-by-order', 'initial', 'available', 'sold', 'reservations'].map((name) =>
        this.#redis.hGetAll(this.#key(name)),
      ),
    );
    const [purchaseOrders, alerts] = await Promise.all([
      this.#redis.sCard(this.#key('purchase-orders')),
      this.#redis.sCard(this.#key('alerts')),
    ]);
    const charges = Object.values(chargesByOrder!).map(Number);
    const stockConsistent =
      Object.keys(reservations!).length === 0 &&
      Object.entries(initial!).every(
        ([sku, quantity]) => Number(available![sku] ?? 0) + Number(sold![sku] ?? 0) === Number(quantity),
      );
    return {
      email: email!,
      sms: sms!,
      charges: charges.length,
      doubleCharges: charges.filter((count) => count > 1).length,
      purchaseOrders,
      alerts,
      stockConsistent,
    };
  }

  /** Deletes every key of this run, the idempotency store's included. */
  async forget(): Promise<void> {
    const keys = await this.#redis.keys(this.#key('*'));
    if (keys.length > 0) await this.#redis.del(keys);
  }

  async #settle(orderId: string, into: 'sold' | 'available'): Promise<void> {
    await this.#redis.eval(SETTLE, {
      keys: [this.#key('reservations'), this.#key(into), this.#key('settled')],
      arguments: [orderId],
    });
  }
}

export interface RecordsSnapshot {
  /** Order id -> the type of the email / SMS its customer got. */
  email: Record<string, string>;
  sms: Record<string, string>;
  /** Orders charged at least once, and more than once. */
  charges: number;
  doubleCharges: number;
  purchaseOrders: number;
  alerts: number;
  stockConsistent: boolean;
}

// KEYS: available, reservations, settled. ARGV: order id, items as JSON. Replies 'ok' or the SKU
// that ran short. A reserved or settled order is left as it is: reserving is idempotent.
const RESERVE = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
  return 'ok'
end
local items = cjson.decode(ARGV[2])
for _, item in ipairs(items) do
  if tonumber(redis.call('HGET', KEYS[1], item.sku) or '0') < item.quantity then return item.sku end
end
for _, item in ipairs(items) do redis.call('HINCRBY', KEYS[1], item.sku, -item.quantity) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 'ok'`;

// KEYS: reservations, the hash the items go to (sold or available), settled. ARGV: order id.
const SETTLE = `
local items = redis.call('HGET', KEYS[1], ARGV[1])
if not items then return 0 end
for _, item in ipairs(cjson.decode(items)) do redis.call('HINCRBY', KEYS[2], item.sku, item.quantity) end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 1`;

// KEYS: charges (idempotency key -> 'chargeId|approved'), charges per order. ARGV: idempotency key,
// order id, '1' if the card is approved. A known key returns its first charge: no second charge.
const CHARGE = `
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous then return previous end
local outcome = 'ch_' .. (redis.call('HLEN', KEYS[1]) + 1) .. '|' .. ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], outcome)
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[2], ARGV[2], 1) end
return outcome`;
