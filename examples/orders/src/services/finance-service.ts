import type { Bus, Consumer, ConsumerOptions } from '@omnibus/core';
import { Names, PaymentFailed } from '../messages.js';
import type { Recorder } from '../recorder.js';

/** Large failed payments, routed here by a rule, for the finance team to verify. */
export function financeService(bus: Bus, alerts: Recorder, options: ConsumerOptions): Consumer {
  return bus.consumer(
    Names.financeAlerts,
    PaymentFailed.handler(async (message) => {
      await alerts.add(message.data.orderId);
    }),
    options,
  );
}
