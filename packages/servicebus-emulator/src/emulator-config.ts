import { readFileSync } from 'node:fs';
import type {
  CorrelationRuleFilter,
  QueueOptions,
  RuleDefinition,
  SubscriptionOptions,
  TopicOptions,
} from './entity-options.js';
import { parseIso8601Duration } from './parse-iso8601-duration.js';

/**
 * The official Service Bus emulator's `Config.json`, so one file can drive both emulators.
 * Only the fields that shape entities are read; `Logging` is accepted and ignored.
 */
export interface EmulatorConfigFile {
  UserConfig: {
    Namespaces: Array<{
      Name: string;
      Queues?: Array<{ Name: string; Properties?: ConfigEntityProperties }>;
      Topics?: Array<{
        Name: string;
        Properties?: ConfigEntityProperties;
        Subscriptions?: Array<{ Name: string; Properties?: ConfigEntityProperties; Rules?: ConfigRule[] }>;
      }>;
    }>;
    Logging?: { Type: string };
  };
}

/** Entity properties as Config.json spells them (durations in ISO 8601). */
export interface ConfigEntityProperties {
  DeadLetteringOnMessageExpiration?: boolean;
  DefaultMessageTimeToLive?: string;
  DuplicateDetectionHistoryTimeWindow?: string;
  ForwardDeadLetteredMessagesTo?: string;
  ForwardTo?: string;
  LockDuration?: string;
  MaxDeliveryCount?: number;
  RequiresDuplicateDetection?: boolean;
  RequiresSession?: boolean;
}

/** A rule as Config.json spells it. */
export interface ConfigRule {
  Name: string;
  Properties: {
    FilterType: 'Correlation' | 'Sql';
    CorrelationFilter?: {
      ContentType?: string;
      CorrelationId?: string;
      Label?: string;
      MessageId?: string;
      ReplyTo?: string;
      ReplyToSessionId?: string;
      SessionId?: string;
      To?: string;
      Properties?: Record<string, string | number | boolean>;
    };
    SqlFilter?: { SqlExpression: string };
    Action?: { SqlExpression?: string };
  };
}

/** Entities to create, in the emulator's own (millisecond) terms. */
export interface EntityDefinitions {
  queues: Array<{ name: string; options: QueueOptions }>;
  topics: Array<{
    name: string;
    options: TopicOptions;
    subscriptions: Array<{ name: string; options: SubscriptionOptions }>;
  }>;
}

/**
 * What the official emulator assumes when Config.json leaves a property out (its schema's
 * defaults). They differ from Azure's (for example MaxDeliveryCount 3, not 10).
 */
const officialEmulatorDefaults = {
  LockDuration: 'PT1M',
  MaxDeliveryCount: 3,
  DefaultMessageTimeToLive: 'PT1H',
  DuplicateDetectionHistoryTimeWindow: 'PT20S',
} as const;

const duration = (value: string | undefined) =>
  value === undefined ? undefined : parseIso8601Duration(value);

function receivableOptions(properties: ConfigEntityProperties = {}) {
  return {
    lockDurationMs: duration(properties.LockDuration ?? officialEmulatorDefaults.LockDuration),
    maxDeliveryCount: properties.MaxDeliveryCount ?? officialEmulatorDefaults.MaxDeliveryCount,
    requiresSession: properties.RequiresSession ?? false,
    defaultMessageTimeToLiveMs: duration(
      properties.DefaultMessageTimeToLive ?? officialEmulatorDefaults.DefaultMessageTimeToLive,
    ),
    deadLetteringOnMessageExpiration: properties.DeadLetteringOnMessageExpiration ?? false,
    forwardTo: properties.ForwardTo || undefined,
    forwardDeadLetteredMessagesTo: properties.ForwardDeadLetteredMessagesTo || undefined,
  };
}

function duplicateDetection(properties: ConfigEntityProperties = {}) {
  return {
    requiresDuplicateDetection: properties.RequiresDuplicateDetection ?? false,
    duplicateDetectionHistoryTimeWindowMs: duration(
      properties.DuplicateDetectionHistoryTimeWindow ??
        officialEmulatorDefaults.DuplicateDetectionHistoryTimeWindow,
    ),
  };
}

function ruleDefinition(rule: ConfigRule): RuleDefinition {
  const { Properties: properties } = rule;
  let filter: RuleDefinition['filter'];
  if (properties.FilterType === 'Sql') {
    if (!properties.SqlFilter) throw new Error(`Rule '${rule.Name}' has FilterType Sql but no SqlFilter`);
    filter = { sqlExpression: properties.SqlFilter.SqlExpression };
  } else {
    const correlation = properties.CorrelationFilter ?? {};
    const correlationFilter: CorrelationRuleFilter = {
      contentType: correlation.ContentType,
      correlationId: correlation.CorrelationId,
      subject: correlation.Label,
      messageId: correlation.MessageId,
      replyTo: correlation.ReplyTo,
      replyToSessionId: correlation.ReplyToSessionId,
      sessionId: correlation.SessionId,
      to: correlation.To,
      applicationProperties: correlation.Properties,
    };
    for (const key of Object.keys(correlationFilter) as Array<keyof CorrelationRuleFilter>) {
      if (correlationFilter[key] === undefined) delete correlationFilter[key];
    }
    filter = correlationFilter;
  }
  const definition: RuleDefinition = { name: rule.Name, filter };
  if (properties.Action?.SqlExpression)
    definition.action = { sqlExpression: properties.Action.SqlExpression };
  return definition;
}

/**
 * Reads a parsed Config.json into entity definitions. Every namespace in the file is merged into
 * the one emulated namespace. Throws with the offending entity's name on malformed input.
 */
export function entityDefinitionsFromConfig(config: EmulatorConfigFile): EntityDefinitions {
  const namespaces = config?.UserConfig?.Namespaces;
  if (!Array.isArray(namespaces)) throw new Error('Config.json needs UserConfig.Namespaces (an array)');
  const definitions: EntityDefinitions = { queues: [], topics: [] };
  for (const namespace of namespaces) {
    for (const queue of namespace.Queues ?? []) {
      definitions.queues.push({
        name: queue.Name,
        options: { ...receivableOptions(queue.Properties), ...duplicateDetection(queue.Properties) },
      });
    }
    for (const topic of namespace.Topics ?? []) {
      definitions.topics.push({
        name: topic.Name,
        options: {
          ...duplicateDetection(topic.Properties),
          defaultMessageTimeToLiveMs: duration(
            topic.Properties?.DefaultMessageTimeToLive ?? officialEmulatorDefaults.DefaultMessageTimeToLive,
          ),
        },
        subscriptions: (topic.Subscriptions ?? []).map((subscription) => ({
          name: subscription.Name,
          options: {
            ...receivableOptions(subscription.Properties),
            rules:
              subscription.Rules && subscription.Rules.length > 0
                ? subscription.Rules.map(ruleDefinition)
                : undefined,
          },
        })),
      });
    }
  }
  return definitions;
}

/** Reads and parses a Config.json file. */
export function readEmulatorConfigFile(path: string): EmulatorConfigFile {
  return JSON.parse(readFileSync(path, 'utf8')) as EmulatorConfigFile;
}
