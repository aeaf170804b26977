import type { CorrelationRuleFilter, RuleDefinition, SqlRuleFilter } from './entity-options.js';
import type { MessageContent } from './message-content.js';
import { createMessagePropertyView, type FilterValue, toFilterValue } from './message-property-view.js';
import { ServiceBusFault } from './service-bus-fault.js';
import { compileSqlFilter } from './sql/compile-sql-filter.js';
import { compileSqlRuleAction } from './sql/compile-sql-rule-action.js';
import { valuesEqual } from './sql/sql-value-semantics.js';

/** The name Service Bus gives a subscription's initial rule. */
export const defaultRuleName = '$Default';

/** A rule that matches everything (Service Bus's TrueFilter, `1=1`). */
export function trueRule(name: string): RuleDefinition {
  return { name, filter: { sqlExpression: '1=1' } };
}

/** A rule ready to route messages. */
export interface CompiledRule {
  readonly definition: RuleDefinition;
  matches(content: MessageContent): boolean;
  /** Applies the rule's action (if any) to the subscription's copy. */
  apply(content: MessageContent): MessageContent;
}

/** Whether a filter is a SQL filter (the SDK's own test, by shape). */
export function isSqlFilter(filter: RuleDefinition['filter']): filter is SqlRuleFilter {
  return typeof (filter as SqlRuleFilter).sqlExpression === 'string';
}

/** Compiles a rule; bad SQL fails here with `argument-error`, as add-rule does in Service Bus. */
export function compileRule(definition: RuleDefinition): CompiledRule {
  let matches: (content: MessageContent) => boolean;
  try {
    if (isSqlFilter(definition.filter)) {
      const filter = compileSqlFilter(definition.filter.sqlExpression);
      matches = (content) => filter(createMessagePropertyView(content));
    } else {
      const filter = definition.filter;
      matches = (content) => matchesCorrelationFilter(filter, content);
    }
    const action = definition.action?.sqlExpression
      ? compileSqlRuleAction(definition.action.sqlExpression)
      : undefined;
    return {
      definition,
      matches,
      apply: (content) => (action ? action(content) : content),
    };
  } catch (error) {
    if (error instanceof ServiceBusFault) throw error;
    throw new ServiceBusFault(
      'argumentError',
      `Invalid rule '${definition.name}': ${(error as Error).message}`,
    );
  }
}

const correlationFields: Array<[keyof CorrelationRuleFilter, string]> = [
  ['correlationId', 'correlation_id'],
  ['messageId', 'message_id'],
  ['to', 'to'],
  ['replyTo', 'reply_to'],
  ['subject', 'subject'],
  ['sessionId', 'group_id'],
  ['replyToSessionId', 'reply_to_group_id'],
  ['contentType', 'content_type'],
];

/** A correlation filter matches when every field it sets equals the message's. */
export function matchesCorrelationFilter(filter: CorrelationRuleFilter, content: MessageContent): boolean {
  for (const [field, property] of correlationFields) {
    const expected = filter[field];
    if (expected === undefined || expected === null) continue;
    const actual = content.properties[property];
    if (actual === undefined || String(actual) !== String(expected)) return false;
  }
  const expectedProperties = filter.applicationProperties;
  if (expectedProperties) {
    const view = createMessagePropertyView(content);
    for (const [name, expected] of Object.entries(expectedProperties)) {
      const actual: FilterValue | undefined = view.user(name);
      if (actual === undefined || valuesEqual(actual, toFilterValue(expected)) !== true) return false;
    }
  }
  return true;
}
