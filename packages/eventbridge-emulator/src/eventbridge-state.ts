import type { CompiledPattern } from '@omnibus/core';
import { EventBridgeError } from './eventbridge-error.js';

/** `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` behaves as `ENABLED`: there is no CloudTrail here. */
export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** A target as the client sent it; ListTargetsByRule echoes it back unchanged. */
export interface StoredTarget {
  Id: string;
  Arn: string;
  [member: string]: unknown;
}

export interface StoredRule {
  name: string;
  arn: string;
  eventBusName: string;
  eventPattern?: string;
  /** The compiled `eventPattern`; absent for schedule-only rules, which never match events. */
  match?: CompiledPattern;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  /** In insertion order, which is the order ListTargetsByRule reports. */
  targets: Map<string, StoredTarget>;
}

export interface StoredEventBus {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  lastModifiedAt: number;
  rules: Map<string, StoredRule>;
}

/**
 * Everything the emulator knows: event buses, their rules and the rules' targets, for one account
 * and region. Lookups throw the `ResourceNotFoundException` AWS would; the operations decide the
 * rest. The `default` bus exists from the start and cannot be removed.
 */
export interface EventBridgeState {
  readonly region: string;
  readonly accountId: string;
  readonly buses: Map<string, StoredEventBus>;
  /** The ARN a bus of this name has (whether or not it exists). */
  busArn(name: string): string;
  /** The ARN a rule has: `rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere. */
  ruleArn(eventBusName: string, ruleName: string): string;
  /** A bus by name or ARN (`undefined` means `default`). */
  getBus(nameOrArn: string | undefined): StoredEventBus;
  /** A rule on a bus given by name or ARN. */
  getRule(eventBusNameOrArn: string | undefined, ruleName: string): StoredRule;
}

export function createEventBridgeState(options: {
  region: string;
  accountId: string;
  now: number;
}): EventBridgeState {
  const { region, accountId } = options;
  const busArn = (name: string) => `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
  const buses = new Map<string, StoredEventBus>();
  buses.set('default', {
    name: 'default',
    arn: busArn('default'),
    createdAt: options.now,
    lastModifiedAt: options.now,
    rules: new Map(),
  });

  // EventBusName accepts a name or a full ARN everywhere in the API.
  const busNameOf = (nameOrArn: string | undefined) => {
    if (nameOrArn === undefined || nameOrArn === '') return 'default';
    const arnMatch = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
    return arnMatch ? arnMatch[1]! : nameOrArn;
  };

  const getBus = (nameOrArn: string | undefined) => {
    const name = busNameOf(nameOrArn);
    const bus = buses.get(name);
    if (!bus) throw new EventBridgeError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  };

  return {
    region,
    accountId,
    buses,
    busArn,
    ruleArn: (eventBusName, ruleName) =>
      `arn:aws:events:${region}:${accountId}:rule/${eventBusName === 'default' ? '' : `${eventBusName}/`}${ruleName}`,
    getBus,
    getRule(eventBusNameOrArn, ruleName) {
      const bus = getBus(eventBusNameOrArn);
      const rule = bus.rules.get(ruleName);
      if (!rule) {
        throw new EventBridgeError(
          'ResourceNotFoundException',
          `Rule ${ruleName} does not exist on EventBus ${bus.name}.`,
        );
      }
      return rule;
    },
  };
}
