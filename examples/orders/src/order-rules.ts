import type { Bus } from '@omnibus/core';
import { Names, PaymentAuthorized, PaymentFailed } from './messages.js';

/**
 * The three rules that route payment outcomes: large failures to finance, authorizations to
 * fulfillment, failures to compensation. Declared by whoever submits orders, before any is sent.
 */
export async function declareOrderRules(bus: Bus, financeThreshold: number): Promise<void> {
  await bus.rule(`${Names.rulePrefix}large-failed-payments-to-finance`, {
    pattern: {
      source: ['payments'],
      type: [PaymentFailed.type],
      data: { amount: [{ numeric: ['>=', financeThreshold] }] },
    },
    target: { queue: Names.financeAlerts },
  });
  await bus.rule(`${Names.rulePrefix}authorized-payments-to-fulfillment`, {
    pattern: { source: ['payments'], type: [PaymentAuthorized.type] },
    target: { queue: Names.fulfillment },
  });
  await bus.rule(`${Names.rulePrefix}failed-payments-to-compensation`, {
    pattern: { source: ['payments'], type: [PaymentFailed.type] },
    target: { queue: Names.compensation },
  });
}
