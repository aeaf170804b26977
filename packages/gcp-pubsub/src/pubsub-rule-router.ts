import {
  type Delivery,
  decodeEventView,
  type RuleDefinition,
  type TransportSubscription,
} from '@omnibus/core/transport';

/** What the router needs from the transport. */
export interface RuleRouterDependencies {
  /** Starts consuming the rule's filtered subscription of the events topic. */
  consume(onDelivery: (delivery: Delivery) => Promise<void>): TransportSubscription;
  /** Publishes an event to the rule's target (queue topic or topic), resolving once confirmed. */
  forward(rule: RuleDefinition, delivery: Delivery): Promise<void>;
}

/** Backoff for a forward that failed: 1 s, 2 s, 4 s … capped at 60 s. */
function forwardBackoffMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.min(6, attempt - 1));
}

/**
 * Routes one rule: every event its Pub/Sub filter lets through is checked with the exact pattern
 * (the filter is coarser, and the emulator does not apply filters at all); a match is published to
 * the target and acked only once the target confirmed, a non-match is acked. An event that cannot
 * be decoded cannot match any pattern and is acked too.
 */
export function startRuleRouter(initial: RuleDefinition, dependencies: RuleRouterDependencies) {
  let rule = initial;
  const subscription = dependencies.consume(async (delivery) => {
    let matched: boolean;
    try {
      matched = rule.matches(decodeEventView(delivery.message));
    } catch {
      matched = false;
    }
    try {
      if (matched) await dependencies.forward(rule, delivery);
      await delivery.ack();
    } catch {
      await delivery.retry(forwardBackoffMs(delivery.attempt)).catch(() => undefined);
    }
  });
  return {
    /** Applies a new definition with the same filter (target or exact pattern changed). */
    update(next: RuleDefinition): void {
      rule = next;
    },
    stop: () => subscription.stop(),
  };
}

export type RuleRouter = ReturnType<typeof startRuleRouter>;
