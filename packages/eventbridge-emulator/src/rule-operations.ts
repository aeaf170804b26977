import { EventBridgeError } from './eventbridge-error.js';
import type { RuleState, StoredRule } from './eventbridge-state.js';
import type { Operation } from './operation.js';
import { paginate } from './paginate.js';
import { parseEventPattern } from './parse-event-pattern.js';

export const RULE_NAME = { min: 1, max: 64, pattern: /[.\-_A-Za-z0-9]+/ };
export const EVENT_BUS_NAME_OR_ARN = {
  min: 1,
  max: 1600,
  pattern: /(arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[/.\-_A-Za-z0-9]+/,
};
const RULE_STATES: readonly RuleState[] = [
  'ENABLED',
  'DISABLED',
  'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
];

const describe = (rule: StoredRule, accountId: string) => ({
  Name: rule.name,
  Arn: rule.arn,
  ...(rule.eventPattern === undefined ? {} : { EventPattern: rule.eventPattern }),
  ...(rule.scheduleExpression === undefined ? {} : { ScheduleExpression: rule.scheduleExpression }),
  State: rule.state,
  ...(rule.description === undefined ? {} : { Description: rule.description }),
  ...(rule.roleArn === undefined ? {} : { RoleArn: rule.roleArn }),
  EventBusName: rule.eventBusName,
  CreatedBy: accountId,
});

const setState = (state: RuleState): Operation =>
  function changeRuleState(params, context) {
    const rule = context.state.getRule(
      params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN),
      params.requiredString('Name', RULE_NAME),
    );
    rule.state = state;
    return {};
  };

/** PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule. */
export const ruleOperations: Record<string, Operation> = {
  PutRule(params, { state }) {
    const name = params.requiredString('Name', RULE_NAME);
    const eventPattern = params.optionalString('EventPattern', { max: 4096 });
    const scheduleExpression = params.optionalString('ScheduleExpression', { max: 256 });
    const ruleState = (params.optionalString('State') ?? 'ENABLED') as RuleState;
    const description = params.optionalString('Description', { max: 512 });
    const roleArn = params.optionalString('RoleArn', { min: 1, max: 1600 });
    const bus = state.getBus(params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN));

    if (!RULE_STATES.includes(ruleState)) {
      throw new EventBridgeError(
        'ValidationException',
        `1 validation error detected: Value '${ruleState}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`,
      );
    }
    if (eventPattern === undefined && scheduleExpression === undefined) {
      throw new EventBridgeError(
        'ValidationException',
        'Parameter(s) EventPattern or ScheduleExpression must be specified.',
      );
    }
    if (scheduleExpression !== undefined && bus.name !== 'default') {
      throw new EventBridgeError(
        'ValidationException',
        'ScheduleExpression is supported only on the default event bus.',
      );
    }
    const match = eventPattern === undefined ? undefined : parseEventPattern(eventPattern);

    // PutRule on an existing rule replaces its definition and keeps its targets, as on AWS.
    const existing = bus.rules.get(name);
    const rule: StoredRule = {
      name,
      arn: state.ruleArn(bus.name, name),
      eventBusName: bus.name,
      state: ruleState,
      targets: existing?.targets ?? new Map(),
      ...(eventPattern === undefined ? {} : { eventPattern, match }),
      ...(scheduleExpression === undefined ? {} : { scheduleExpression }),
      ...(description === undefined ? {} : { description }),
      ...(roleArn === undefined ? {} : { roleArn }),
    };
    bus.rules.set(name, rule);
    return { RuleArn: rule.arn };
  },

  DescribeRule(params, { state }) {
    const rule = state.getRule(
      params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN),
      params.requiredString('Name', RULE_NAME),
    );
    return describe(rule, state.accountId);
  },

  ListRules(params, { state }) {
    const bus = state.getBus(params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN));
    const prefix = params.optionalString('NamePrefix', { min: 1, max: 64 }) ?? '';
    const rules = [...bus.rules.values()]
      .filter((rule) => rule.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((rule) => describe(rule, state.accountId));
    const { page, nextToken } = paginate(
      rules,
      params.optionalString('NextToken'),
      params.optionalNumber('Limit'),
    );
    return { Rules: page, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },

  DeleteRule(params, { state }) {
    const name = params.requiredString('Name', RULE_NAME);
    const bus = state.getBus(params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN));
    const rule = bus.rules.get(name);
    // Deleting a rule that does not exist succeeds: AWS makes DeleteRule idempotent.
    if (!rule) return {};
    if (rule.targets.size > 0) {
      throw new EventBridgeError('ValidationException', "Rule can't be deleted since it has targets.");
    }
    bus.rules.delete(name);
    return {};
  },

  EnableRule: setState('ENABLED'),
  DisableRule: setState('DISABLED'),
};
