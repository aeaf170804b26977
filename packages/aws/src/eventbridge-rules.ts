import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { ConfigurationError } from '@omnibus/core';
import type { RuleDefinition } from '@omnibus/core/transport';
import type { AwsResources } from './aws-resources.js';
import { mapAwsError } from './map-aws-error.js';
import type { NativeNames } from './native-names.js';
import { translateEventPattern } from './translate-event-pattern.js';
import { isAwsServicePattern, translateServiceEventPattern } from './translate-service-event-pattern.js';

/** The id of the one target each Omnibus rule has; PutTargets with the same id replaces it. */
const TARGET_ID = 'omnibus-target';

export interface EventBridgeRules {
  /** Creates the bus when it is not `default` (idempotent). */
  ensureBus(): Promise<void>;
  put(rule: RuleDefinition): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * Rules as EventBridge rules on one bus: the pattern translated onto the EventBridge event (exact,
 * see `translate-event-pattern.ts`), one target — the SQS queue or SNS topic — receiving
 * `$.detail`, and a resource policy on the target letting this rule (only) deliver. A rule over
 * AWS service events (`source: ['aws.s3']`, see `translate-service-event-pattern.ts`) matches
 * them as AWS puts them and its target receives the whole event.
 */
export function createEventBridgeRules(
  eventBridge: EventBridgeClient,
  resources: AwsResources,
  names: NativeNames,
  eventBusName: string,
  provision: 'auto' | 'never',
): EventBridgeRules {
  let bus: Promise<void> | undefined;

  function ensureBus(): Promise<void> {
    if (eventBusName === 'default' || provision === 'never') return Promise.resolve();
    bus ??= (async () => {
      try {
        await eventBridge.send(new CreateEventBusCommand({ Name: eventBusName }));
      } catch (error) {
        if (/ResourceAlreadyExists/i.test(String((error as { name?: string }).name))) return;
        bus = undefined;
        throw mapAwsError(error, `creating the EventBridge bus '${eventBusName}'`);
      }
    })();
    return bus;
  }

  async function put(rule: RuleDefinition): Promise<void> {
    const nativeName = names.rule(rule.name);
    // A rule over AWS service events matches them as AWS puts them and delivers the whole event;
    // a rule over Omnibus events delivers the `detail` the emitter wrote.
    const serviceEvents = isAwsServicePattern(rule.pattern);
    const pattern = JSON.stringify(
      serviceEvents ? translateServiceEventPattern(rule.pattern) : translateEventPattern(rule.pattern),
    );
    if (provision === 'never') {
      let existing: string | undefined;
      try {
        existing = (
          await eventBridge.send(new DescribeRuleCommand({ Name: nativeName, EventBusName: eventBusName }))
        ).EventPattern;
      } catch (error) {
        throw new ConfigurationError(
          `The EventBridge rule '${nativeName}' (rule '${rule.name}') on bus '${eventBusName}' could not be found and provisioning is 'never'; create it with the pattern ${pattern} or use provision: 'auto'.`,
          { transport: 'aws', cause: error },
        );
      }
      if (existing !== undefined && !sameJson(existing, pattern)) {
        throw new ConfigurationError(
          `The EventBridge rule '${nativeName}' exists with a different pattern and provisioning is 'never'; expected ${pattern}.`,
          { transport: 'aws' },
        );
      }
      return;
    }
    await ensureBus();
    let ruleArn: string;
    try {
      const created = await eventBridge.send(
        new PutRuleCommand({
          Name: nativeName,
          EventBusName: eventBusName,
          EventPattern: pattern,
          State: 'ENABLED',
          Description: `Omnibus rule '${rule.name}'`.slice(0, 512),
        }),
      );
      ruleArn = created.RuleArn!;
    } catch (error) {
      throw mapAwsError(error, `putting the EventBridge rule '${nativeName}' (rule '${rule.name}')`);
    }
    let targetArn: string;
    if ('queue' in rule.target) {
      const url = await resources.queueUrl(rule.target.queue, false);
      targetArn = await resources.queueArn(url);
      await resources.allowQueueSend(url, 'events.amazonaws.com', ruleArn);
    } else {
      targetArn = await resources.topicArn(rule.target.topic);
      await resources.allowTopicPublish(targetArn, 'events.amazonaws.com', ruleArn);
    }
    try {
      const result = await eventBridge.send(
        new PutTargetsCommand({
          Rule: nativeName,
          EventBusName: eventBusName,
          Targets: [
            serviceEvents
              ? { Id: TARGET_ID, Arn: targetArn }
              : { Id: TARGET_ID, Arn: targetArn, InputPath: '$.detail' },
          ],
        }),
      );
      const failure = result.FailedEntries?.[0];
      if ((result.FailedEntryCount ?? 0) > 0 && failure) {
        throw Object.assign(new Error(failure.ErrorMessage ?? 'target refused'), {
          name: failure.ErrorCode ?? 'PutTargetsFailed',
        });
      }
    } catch (error) {
      throw mapAwsError(error, `setting the target of the EventBridge rule '${nativeName}'`);
    }
  }

  async function remove(name: string): Promise<void> {
    const nativeName = names.rule(name);
    try {
      const targets = await eventBridge.send(
        new ListTargetsByRuleCommand({ Rule: nativeName, EventBusName: eventBusName }),
      );
      const ids = (targets.Targets ?? []).map((target) => target.Id!).filter(Boolean);
      if (ids.length > 0) {
        await eventBridge.send(
          new RemoveTargetsCommand({ Rule: nativeName, EventBusName: eventBusName, Ids: ids }),
        );
      }
      await eventBridge.send(new DeleteRuleCommand({ Name: nativeName, EventBusName: eventBusName }));
    } catch (error) {
      if (/ResourceNotFound/i.test(String((error as { name?: string }).name))) return;
      throw mapAwsError(error, `deleting the EventBridge rule '${nativeName}' (rule '${name}')`);
    }
  }

  return { ensureBus, put, delete: remove };
}

function sameJson(left: string, right: string): boolean {
  try {
    return JSON.stringify(JSON.parse(left)) === JSON.stringify(JSON.parse(right));
  } catch {
    return false;
  }
}
