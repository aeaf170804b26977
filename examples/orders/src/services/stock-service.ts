import type { Bus, Consumer, ConsumerOptions } from '@omnibus/core';
import type { Inventory } from '../inventory.js';
import { Names, ReserveStock, StockReserved } from '../messages.js';

/** Sets stock aside for each order, then says so. */
export function stockService(bus: Bus, inventory: Inventory, options: ConsumerOptions): Consumer {
  return bus.consumer(
    Names.reserveStock,
    ReserveStock.handler(async (message, context) => {
      inventory.reserve(message.data.orderId, message.data.items);
      await context.emit(StockReserved.create({ orderId: message.data.orderId }, { source: 'stock' }));
    }),
    options,
  );
}
