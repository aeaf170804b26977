import type { Bus } from '@omnibus/core';

/** What `createServiceBusTriggerHandler` takes besides the consumer definition. */
export interface ServiceBusFunctionOptions {
  /**
   * The bus handlers send, publish and emit through. Create it at module scope (a promise is fine,
   * e.g. `createBus(process.env.ServiceBusConnection)` without `await`), so warm invocations reuse
   * it and its connection.
   */
  bus: Bus | Promise<Bus>;
}
