import type { Bus } from '@omnibus/core';
import { Names, PaymentAuthorized, PaymentFailed } from './messages.js';

/**
 * The three rules that route payment outcomes: large failures to finance, authorizations to
 * fulfillment, failures to compensation. Declared by whoever submits orders, before any is sent;
 * resolves to their names.
 */
export async function declareOrderRules(bus: Bus, financeThreshold: number): Promise<string[]> {
  const names = orderRuleNames();
  await bus.rule(names[0]!, {
    pattern: {
      source: ['payments'],
      type: [PaymentFailed.type],
      data: { amount: [{ numeric: ['>=', financeThreshold] }] },
    },
    target: { queue: Names.financeAlerts },
  });
  await bus.rule(names[1]!, {
    pattern: { source: ['payments'], type: [PaymentAuthorized.type] },
    target: { queue: Names.fulfillment },
  });
  await bus.rule(names[2]!, {
    pattern: { source: ['payments'], type: [PaymentFailed.type] },
    target: { queue: Names.compensation },
  });
  return names;
}

/** The names of the rules {@link declareOrderRules} declares, in its order. */
export function orderRuleNames(): string[] {
  return [
    'large-failed-payments-to-finance',
    'authorized-payments-to-fulfillment',
    'failed-payments-to-compensation',
  ].map((name) => `${Names.rulePrefix}${name}`);
}
