import { type AmqpTyped, amqpTypes } from './amqp-codec.js';
import type { CorrelationRuleFilter, RuleDefinition } from './entity-options.js';
import { isSqlFilter } from './subscription-rule.js';

/**
 * Descriptor codes of Service Bus's rule types on the wire (the SDK's `descriptorCodes`).
 * `enumerate-rules` answers with described lists the SDK picks apart by position.
 */
const descriptors = {
  ruleDescription: 0x0000013700000004,
  sqlFilter: 0x0000001370000006,
  correlationFilter: 0x0000001370000009,
  emptyRuleAction: 0x0000013700000005,
  sqlRuleAction: 0x0000013700000006,
} as const;

/** SQL compatibility level Service Bus reports alongside SQL expressions. */
const compatibilityLevel = 20;

const described = (code: number, fields: AmqpTyped[]) =>
  amqpTypes.described(amqpTypes.wrap_ulong(code), amqpTypes.wrap_list(fields));

const optionalString = (value: string | undefined) =>
  value === undefined ? amqpTypes.Null() : amqpTypes.wrap_string(value);

/** Encodes a rule as the `rule-description` described list of an enumerate-rules response. */
export function encodeRuleDescription(rule: RuleDefinition): AmqpTyped {
  let filter: AmqpTyped;
  if (isSqlFilter(rule.filter)) {
    filter = described(descriptors.sqlFilter, [
      amqpTypes.wrap_string(rule.filter.sqlExpression),
      amqpTypes.wrap_int(compatibilityLevel),
    ]);
  } else {
    const correlation = rule.filter;
    filter = described(descriptors.correlationFilter, [
      optionalString(correlation.correlationId),
      optionalString(correlation.messageId),
      optionalString(correlation.to),
      optionalString(correlation.replyTo),
      optionalString(correlation.subject),
      optionalString(correlation.sessionId),
      optionalString(correlation.replyToSessionId),
      optionalString(correlation.contentType),
      amqpTypes.wrap_map(correlation.applicationProperties ?? {}),
    ]);
  }
  const action = rule.action?.sqlExpression
    ? described(descriptors.sqlRuleAction, [
        amqpTypes.wrap_string(rule.action.sqlExpression),
        amqpTypes.wrap_int(compatibilityLevel),
      ])
    : described(descriptors.emptyRuleAction, []);
  return described(descriptors.ruleDescription, [filter, action, amqpTypes.wrap_string(rule.name)]);
}

const stringOrUndefined = (value: unknown) =>
  value === undefined || value === null ? undefined : String(value);

/** Reads the `rule-description` map of an add-rule request. */
export function decodeRuleDescription(name: string, description: Record<string, unknown>): RuleDefinition {
  const sql = description['sql-filter'] as { expression?: unknown } | undefined;
  const correlation = description['correlation-filter'] as Record<string, unknown> | undefined;
  const action = description['sql-rule-action'] as { expression?: unknown } | undefined;
  let filter: RuleDefinition['filter'];
  if (sql) {
    filter = { sqlExpression: String(sql.expression ?? '') };
  } else if (correlation) {
    const correlationFilter: CorrelationRuleFilter = {
      correlationId: stringOrUndefined(correlation['correlation-id']),
      messageId: stringOrUndefined(correlation['message-id']),
      to: stringOrUndefined(correlation.to),
      replyTo: stringOrUndefined(correlation['reply-to']),
      subject: stringOrUndefined(correlation.label),
      sessionId: stringOrUndefined(correlation['session-id']),
      replyToSessionId: stringOrUndefined(correlation['reply-to-session-id']),
      contentType: stringOrUndefined(correlation['content-type']),
    };
    const properties = correlation.properties;
    if (properties && typeof properties === 'object') {
      correlationFilter.applicationProperties = properties as CorrelationRuleFilter['applicationProperties'];
    }
    for (const key of Object.keys(correlationFilter) as Array<keyof CorrelationRuleFilter>) {
      if (correlationFilter[key] === undefined) delete correlationFilter[key];
    }
    filter = correlationFilter;
  } else {
    filter = { sqlExpression: '1=1' };
  }
  const rule: RuleDefinition = { name, filter };
  if (action?.expression !== undefined && action.expression !== null) {
    rule.action = { sqlExpression: String(action.expression) };
  }
  return rule;
}
