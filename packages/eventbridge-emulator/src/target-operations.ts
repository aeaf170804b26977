import { compileJsonPath } from './compile-json-path.js';
import { EventBridgeError } from './eventbridge-error.js';
import type { StoredTarget } from './eventbridge-state.js';
import type { Operation } from './operation.js';
import { paginate } from './paginate.js';
import { readRequestParams } from './request-params.js';
import { EVENT_BUS_NAME_OR_ARN, RULE_NAME } from './rule-operations.js';

/** AWS allows five targets per rule. */
const MAX_TARGETS_PER_RULE = 5;
const TARGET_ID = { min: 1, max: 64, pattern: /[.\-_A-Za-z0-9]+/ };
const ARN = /^arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;

/**
 * Checks one target's meaning (the service model's shape checks fail the whole call instead).
 * Returns the reason it cannot be added, or undefined.
 */
function targetProblem(target: StoredTarget): string | undefined {
  if (!ARN.test(target.Arn))
    return `Parameter ${target.Arn} is not valid. Reason: Provided Arn is not in correct format.`;
  const inputs = ['Input', 'InputPath', 'InputTransformer'].filter((member) => target[member] !== undefined);
  if (inputs.length > 1)
    return `Only one of Input, InputPath, or InputTransformer may be specified, got ${inputs.join(', ')}.`;
  if (target.Input !== undefined) {
    if (typeof target.Input !== 'string' || target.Input.length > 8192)
      return 'Input must be a string of at most 8192 characters.';
    try {
      JSON.parse(target.Input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  try {
    if (target.InputPath !== undefined) {
      if (typeof target.InputPath !== 'string' || target.InputPath.length > 256)
        return 'InputPath is not valid.';
      compileJsonPath(target.InputPath);
    }
    if (target.InputTransformer !== undefined) {
      const transformer = target.InputTransformer as { InputPathsMap?: unknown; InputTemplate?: unknown };
      if (typeof transformer.InputTemplate !== 'string') return 'InputTransformer.InputTemplate is required.';
      for (const [name, path] of Object.entries(
        (transformer.InputPathsMap ?? {}) as Record<string, unknown>,
      )) {
        if (name.startsWith('aws.')) return `InputPathsMap key ${name} is reserved.`;
        compileJsonPath(String(path));
      }
    }
  } catch (error) {
    return (error as Error).message;
  }
  // A FIFO queue needs a message group; EventBridge refuses the target rather than failing every delivery.
  if (/^arn:[^:]+:sqs:/.test(target.Arn) && target.Arn.endsWith('.fifo')) {
    const group = (target.SqsParameters as { MessageGroupId?: unknown } | undefined)?.MessageGroupId;
    if (typeof group !== 'string' || group === '')
      return 'SqsParameters.MessageGroupId is required for a FIFO queue target.';
  }
  return undefined;
}

/** PutTargets, RemoveTargets, ListTargetsByRule, ListRuleNamesByTarget. */
export const targetOperations: Record<string, Operation> = {
  PutTargets(params, { state }) {
    const rule = state.getRule(
      params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN),
      params.requiredString('Rule', RULE_NAME),
    );
    const targets = params.requiredList('Targets', { min: 1, max: 10 }).map((entry) => {
      const fields = readRequestParams(entry);
      fields.requiredString('Id', TARGET_ID);
      fields.requiredString('Arn', { min: 1, max: 1600 });
      return entry as StoredTarget;
    });

    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    const accepted: StoredTarget[] = [];
    for (const target of targets) {
      const problem = targetProblem(target);
      if (problem)
        failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      else accepted.push(target);
    }
    const newIds = new Set(accepted.map((target) => target.Id).filter((id) => !rule.targets.has(id)));
    if (rule.targets.size + newIds.size > MAX_TARGETS_PER_RULE) {
      throw new EventBridgeError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed: a rule has at most ${MAX_TARGETS_PER_RULE} targets.`,
      );
    }
    // Re-putting an Id replaces that target in place, as on AWS.
    for (const target of accepted) rule.targets.set(target.Id, target);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  },

  RemoveTargets(params, { state }) {
    const rule = state.getRule(
      params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN),
      params.requiredString('Rule', RULE_NAME),
    );
    const ids = params.requiredList('Ids', { min: 1, max: 100 });
    // Ids the rule does not have are ignored, so removal is idempotent.
    for (const id of ids) rule.targets.delete(String(id));
    return { FailedEntryCount: 0, FailedEntries: [] };
  },

  ListTargetsByRule(params, { state }) {
    const rule = state.getRule(
      params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN),
      params.requiredString('Rule', RULE_NAME),
    );
    const { page, nextToken } = paginate(
      [...rule.targets.values()],
      params.optionalString('NextToken'),
      params.optionalNumber('Limit'),
    );
    return { Targets: page, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },

  ListRuleNamesByTarget(params, { state }) {
    const bus = state.getBus(params.optionalString('EventBusName', EVENT_BUS_NAME_OR_ARN));
    const targetArn = params.requiredString('TargetArn', { min: 1, max: 1600 });
    const names = [...bus.rules.values()]
      .filter((rule) => [...rule.targets.values()].some((target) => target.Arn === targetArn))
      .map((rule) => rule.name)
      .sort();
    const { page, nextToken } = paginate(
      names,
      params.optionalString('NextToken'),
      params.optionalNumber('Limit'),
    );
    return { RuleNames: page, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },
};
