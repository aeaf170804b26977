import { createHash } from 'node:crypto';

/** Service Bus's limit on subscription and rule names. */
export const MAX_SUBSCRIPTION_NAME = 50;
/** Service Bus's limit on queue and topic paths. */
export const MAX_ENTITY_PATH = 260;

/** A short, stable hex digest of `text`. */
export function digest(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Fits a name into `max` characters deterministically: names that fit are kept as they are;
 * longer ones keep their beginning and end in `-` plus 8 hex characters of their SHA-256, so two
 * long names sharing a prefix still map to different native names.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9)}-${digest(name)}`;
}

/** The native name of a subscription (50 characters at most). */
export function subscriptionName(name: string): string {
  return fitName(name, MAX_SUBSCRIPTION_NAME);
}

/** Identifies a rule target, e.g. `queue:orders`. */
export function targetKey(target: { readonly queue: string } | { readonly topic: string }): string {
  return 'queue' in target ? `queue:${target.queue}` : `topic:${target.topic}`;
}

/**
 * The variant of a rule subscription: `f` + target digest (auto-forwarded by Service Bus) or `r` +
 * target digest (relayed by the transport after the exact check). `ForwardTo` is fixed when a
 * subscription is created, so a new target or mode is a new subscription.
 */
export function ruleVariant(target: string, mode: 'forward' | 'relay'): string {
  return `${mode === 'forward' ? 'f' : 'r'}${digest(target, 6)}`;
}

/** The events-topic subscription of one variant of a rule. */
export function ruleSubscriptionName(ruleName: string, variant: string): string {
  return `${fitName(ruleName, MAX_SUBSCRIPTION_NAME - variant.length - 1)}.${variant}`;
}

/** The subscription recording which rule subscriptions exist (its rules never match). */
export const RULE_CATALOG_SUBSCRIPTION = 'omnibus.rule-catalog';

/** The catalog entry (a rule name on the catalog subscription) of one variant of a rule. */
export function catalogEntry(ruleName: string, variant: string): string {
  return `${catalogPrefix(ruleName)}${variant}`;
}

/** The prefix of every catalog entry of one rule. */
export function catalogPrefix(ruleName: string): string {
  return `${digest(ruleName, 16)}.`;
}
