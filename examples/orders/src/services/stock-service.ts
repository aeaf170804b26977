import type { Bus, Consumer, ConsumerOptions } from '@omnibus/core';
import type { PostgresInbox } from '@omnibus/outbox-postgres';
import type { StockLedger } from '../inventory.js';
import { Names, ReserveStock, StockReserved } from '../messages.js';
import type { PostgresStockLedger } from '../postgres-stock.js';

/** Where the stock service keeps stock when it runs on PostgreSQL with the outbox. */
export interface TransactionalStock {
  readonly ledger: PostgresStockLedger;
  readonly inbox: PostgresInbox;
}

/**
 * Sets stock aside for each order, then says so. On PostgreSQL (`transactional`), the reservation,
 * the message's inbox key and the `StockReserved` outbox row commit in one transaction, and the
 * outbox relay sends the event once it has committed.
 */
export function stockService(
  bus: Bus,
  inventory: StockLedger,
  options: ConsumerOptions,
  transactional?: TransactionalStock,
): Consumer {
  if (transactional) {
    const { ledger, inbox } = transactional;
    return bus.consumer(
      Names.reserveStock,
      ReserveStock.handler(
        inbox.handler<{ orderId: string; items: { sku: string; quantity: number }[] }>(
          async (message, context) => {
            await ledger.reserveIn(context.db, message.data.orderId, message.data.items);
            await context.emit(StockReserved.create({ orderId: message.data.orderId }, { source: 'stock' }));
          },
        ),
      ),
      options,
    );
  }
  return bus.consumer(
    Names.reserveStock,
    ReserveStock.handler(async (message, context) => {
      await inventory.reserve(message.data.orderId, message.data.items);
      await context.emit(StockReserved.create({ orderId: message.data.orderId }, { source: 'stock' }));
    }),
    options,
  );
}
