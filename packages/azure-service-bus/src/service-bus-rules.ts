import type { ServiceBusClient, ServiceBusRuleManager } from '@azure/service-bus';
import {
  type Delivery,
  decodeEventView,
  type RuleDefinition,
  type TransportSubscription,
} from '@omnibus/core/transport';
import { compileServiceBusFilter } from './compile-service-bus-filter.js';
import { mapAzureServiceBusError, serviceBusErrorCode } from './map-azure-service-bus-error.js';
import { type RuleFilter, type SubscriptionRule, toSdkFilter } from './service-bus-administration.js';
import {
  catalogEntry,
  catalogPrefix,
  digest,
  RULE_CATALOG_SUBSCRIPTION,
  ruleSubscriptionName,
  ruleVariant,
  targetKey,
} from './service-bus-names.js';
import type { ServiceBusProvisioner } from './service-bus-provisioner.js';

/** What the rule router needs from the transport. */
export interface ServiceBusRulesDependencies {
  readonly client: ServiceBusClient;
  readonly provisioner: ServiceBusProvisioner;
  /** The native events topic. */
  readonly eventsTopic: string;
  /** Native name of a rule target, after making sure it exists. */
  ensureTarget(rule: RuleDefinition): Promise<string>;
  /** Subscription settings for rule subscriptions. */
  readonly subscriptionDefaults: { readonly maxDeliveryCount: number; readonly lockDurationMs: number };
  /** Starts consuming a rule subscription of the events topic (for relayed rules). */
  consume(
    subscription: string,
    label: string,
    onDelivery: (delivery: Delivery) => Promise<void>,
  ): TransportSubscription;
  /** Sends an event on to a rule's target, resolving once confirmed. */
  forward(rule: RuleDefinition, delivery: Delivery): Promise<void>;
}

/** A filter that never matches: the catalog's entries and emptied subscriptions. */
const NEVER: RuleFilter = { sqlExpression: '1=0' };
const EVERYTHING: RuleFilter = { sqlExpression: '1=1' };

/** Backoff of a relay whose forward failed: 1 s, 2 s, 4 s … capped at 60 s. */
function relayBackoffMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.min(6, attempt - 1));
}

/**
 * Rules on Service Bus. Each rule is a subscription of the events topic holding filters compiled
 * from its pattern. When they express the pattern exactly, the subscription auto-forwards
 * (`ForwardTo`) to the target and Service Bus routes alone; otherwise the transport consumes the
 * subscription, runs the exact check and forwards matching events (confirmed) before completing.
 *
 * `ForwardTo` is fixed at creation, so the subscription's name carries the target and mode (its
 * "variant"); a catalog subscription (whose rules never match) records, as rule names, which
 * variants of each rule exist, so a new target or mode retires the old subscription even from
 * another process. Every filter change goes through the SDK's rule manager (AMQP).
 */
export function createServiceBusRules(dependencies: ServiceBusRulesDependencies) {
  const { client, provisioner, eventsTopic } = dependencies;
  const relays = new Map<
    string,
    { variant: string; relay: TransportSubscription; rule: { current: RuleDefinition } }
  >();

  async function withRuleManager<T>(
    subscription: string,
    action: (manager: ServiceBusRuleManager) => Promise<T>,
  ): Promise<T> {
    const manager = client.createRuleManager(eventsTopic, subscription);
    try {
      return await action(manager);
    } finally {
      await (manager as { close?: () => Promise<void> }).close?.().catch(() => undefined);
    }
  }

  async function ruleNames(manager: ServiceBusRuleManager): Promise<string[]> {
    const names: string[] = [];
    for await (const rule of manager.listRules()) names.push(rule.name);
    return names;
  }

  async function createRule(manager: ServiceBusRuleManager, rule: SubscriptionRule): Promise<void> {
    try {
      await manager.createRule(rule.name, toSdkFilter(rule.filter));
    } catch (error) {
      if (serviceBusErrorCode(error) !== 'MessagingEntityAlreadyExists') throw error;
    }
  }

  async function deleteRule(manager: ServiceBusRuleManager, name: string): Promise<void> {
    try {
      await manager.deleteRule(name);
    } catch (error) {
      if (serviceBusErrorCode(error) !== 'MessagingEntityNotFound') throw error;
    }
  }

  /** Makes the subscription's rules exactly `wanted`: adds the missing ones first, then removes the rest. */
  async function syncRules(subscription: string, wanted: readonly SubscriptionRule[]): Promise<void> {
    await withRuleManager(subscription, async (manager) => {
      const existing = new Set(await ruleNames(manager));
      for (const rule of wanted) if (!existing.has(rule.name)) await createRule(manager, rule);
      const keep = new Set(wanted.map((rule) => rule.name));
      for (const name of existing) if (!keep.has(name)) await deleteRule(manager, name);
    });
  }

  async function ensureCatalog(): Promise<void> {
    await provisioner.topic(eventsTopic);
    await provisioner.subscription(
      eventsTopic,
      RULE_CATALOG_SUBSCRIPTION,
      { ...dependencies.subscriptionDefaults, rule: { name: 'omnibus.never', filter: NEVER } },
      RULE_CATALOG_SUBSCRIPTION,
    );
  }

  /** Catalog entries (variants) of one rule. */
  async function variantsOf(ruleName: string): Promise<string[]> {
    const prefix = catalogPrefix(ruleName);
    const names = await withRuleManager(RULE_CATALOG_SUBSCRIPTION, ruleNames);
    return names.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length));
  }

  /** Stops a variant routing: deletes its subscription, or empties it where deleting is not possible. */
  async function retire(ruleName: string, variant: string): Promise<void> {
    const subscription = ruleSubscriptionName(ruleName, variant);
    const deleted = await provisioner.deleteSubscription(eventsTopic, subscription);
    if (!deleted) {
      try {
        await syncRules(subscription, []);
      } catch (error) {
        if (serviceBusErrorCode(error) !== 'MessagingEntityNotFound') throw error;
      }
    }
    await withRuleManager(RULE_CATALOG_SUBSCRIPTION, (manager) =>
      deleteRule(manager, catalogEntry(ruleName, variant)),
    );
  }

  async function stopRelay(ruleName: string): Promise<void> {
    const existing = relays.get(ruleName);
    relays.delete(ruleName);
    await existing?.relay.stop();
  }

  function startRelay(rule: RuleDefinition, variant: string, subscription: string): void {
    const holder = { current: rule };
    const relay = dependencies.consume(subscription, `rule ${rule.name}`, async (delivery) => {
      let matched: boolean;
      try {
        matched = holder.current.matches(decodeEventView(delivery.message));
      } catch {
        // An event that cannot be decoded matches no pattern.
        matched = false;
      }
      try {
        if (matched) await dependencies.forward(holder.current, delivery);
        await delivery.ack();
      } catch {
        await delivery.retry(relayBackoffMs(delivery.attempt)).catch(() => undefined);
      }
    });
    relays.set(rule.name, { variant, relay, rule: holder });
  }

  async function put(rule: RuleDefinition): Promise<void> {
    const compiled = compileServiceBusFilter(rule.pattern as Readonly<Record<string, unknown>>);
    const mode = compiled.exact ? 'forward' : 'relay';
    const target = await dependencies.ensureTarget(rule);
    const variant = ruleVariant(targetKey(rule.target), mode);
    const subscription = ruleSubscriptionName(rule.name, variant);
    const filters: RuleFilter[] =
      compiled.correlations.length > 0
        ? compiled.correlations.map((properties) => ({ applicationProperties: properties }))
        : [EVERYTHING];
    const wanted = filters.map((filter) => ({
      name: `omnibus.${digest(JSON.stringify(filter), 16)}`,
      filter,
    }));

    await ensureCatalog();
    await provisioner.subscription(
      eventsTopic,
      subscription,
      {
        ...dependencies.subscriptionDefaults,
        ...(mode === 'forward' ? { forwardTo: target } : {}),
        rule: wanted[0]!,
      },
      `${subscription} (rule ${rule.name})`,
    );
    await syncRules(subscription, wanted);
    await withRuleManager(RULE_CATALOG_SUBSCRIPTION, (manager) =>
      createRule(manager, { name: catalogEntry(rule.name, variant), filter: NEVER }),
    );
    for (const old of await variantsOf(rule.name)) if (old !== variant) await retire(rule.name, old);

    const local = relays.get(rule.name);
    if (mode === 'relay' && local?.variant === variant) {
      local.rule.current = rule;
      return;
    }
    await stopRelay(rule.name);
    if (mode === 'relay') startRelay(rule, variant, subscription);
  }

  return {
    async putRule(rule: RuleDefinition): Promise<void> {
      try {
        await put(rule);
      } catch (error) {
        throw mapAzureServiceBusError(error, `putting rule '${rule.name}'`);
      }
    },
    async deleteRule(name: string): Promise<void> {
      try {
        await stopRelay(name);
        await ensureCatalog();
        for (const variant of await variantsOf(name)) await retire(name, variant);
      } catch (error) {
        throw mapAzureServiceBusError(error, `deleting rule '${name}'`);
      }
    },
    async stop(): Promise<void> {
      const all = [...relays.values()];
      relays.clear();
      await Promise.allSettled(all.map(({ relay }) => relay.stop()));
    },
  };
}

export type ServiceBusRules = ReturnType<typeof createServiceBusRules>;
