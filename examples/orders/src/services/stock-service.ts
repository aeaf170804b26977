import type { Bus, Consumer, ConsumerOptions } from '@omnibus/core';
import type { StockLedger } from '../inventory.js';
import { Names, ReserveStock, StockReserved } from '../messages.js';

/** Sets stock aside for each order, then says so. */
export function stockService(bus: Bus, inventory: StockLedger, options: ConsumerOptions): Consumer {
  return bus.consumer(
    Names.reserveStock,
    ReserveStock.handler(async (message, context) => {
      await inventory.reserve(message.data.orderId, message.data.items);
      await context.emit(StockReserved.create({ orderId: message.data.orderId }, { source: 'stock' }));
    }),
    options,
  );
}
