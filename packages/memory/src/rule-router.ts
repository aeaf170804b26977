import {
  type CompiledPatternSet,
  ConfigurationError,
  compilePatternSet,
  validatePattern,
  type EventView,
} from '@omnibus/core';
import { decodeEventView, type EncodedMessage, type RuleDefinition } from '@omnibus/core/transport';

/** Where a rule's matching events go: a function storing one event in the target queue or topic. */
export type RuleTargetDelivery = (event: EncodedMessage) => void;

/** How the router reaches the broker's queues and topics. */
export interface RuleRouterHost {
  /** The delivery into a rule's target, creating the target when it is missing. */
  targetOf(target: { queue: string } | { topic: string }): RuleTargetDelivery;
}

interface RuleState {
  readonly definition: RuleDefinition;
  readonly fingerprint: string;
  readonly deliver: RuleTargetDelivery;
}

/**
 * The broker's event bus: named rules, each an exact pattern plus a target. Rules are broker-wide,
 * so every transport's `emit` on the broker routes by all of them. All patterns are compiled into
 * one matcher, so routing an event costs about the same with ten rules as with ten thousand.
 */
export class RuleRouter {
  private readonly rules = new Map<string, RuleState>();
  // Compiled on the first event after a change, so putting many rules in a row compiles once.
  private matcher: CompiledPatternSet<RuleState> | undefined;

  constructor(private readonly host: RuleRouterHost) {}

  /**
   * Whether `rule` is already stored with the same pattern and target. Throws `ConfigurationError`
   * for a malformed definition.
   */
  has(rule: RuleDefinition): boolean {
    return this.rules.get(checkRule(rule).name)?.fingerprint === fingerprintOf(rule);
  }

  /** Whether a rule of that name exists, whatever its definition. */
  named(name: string): boolean {
    return this.rules.has(name);
  }

  /** Creates or replaces a rule (creating its target). The same definition again is a no-op. */
  put(rule: RuleDefinition): void {
    const target = checkRule(rule).target;
    // Refused here, not at the next emit when the rules are compiled together.
    validatePattern(rule.pattern);
    const fingerprint = fingerprintOf(rule);
    if (this.rules.get(rule.name)?.fingerprint === fingerprint) return;
    this.rules.set(rule.name, { definition: rule, fingerprint, deliver: this.host.targetOf(target) });
    this.matcher = undefined;
  }

  /** Deletes a rule; a missing one is fine. */
  delete(name: string): void {
    if (this.rules.delete(name)) this.matcher = undefined;
  }

  /** Routes each event to the target of every rule it matches, once per rule, in event order. */
  route(events: readonly EncodedMessage[]): void {
    if (this.rules.size === 0) return;
    this.matcher ??= compilePatternSet(
      [...this.rules.values()].map((rule) => [rule.definition.pattern, rule] as const),
    );
    const matcher = this.matcher;
    // Decode every view first, so an undecodable event rejects the batch before any is routed.
    const views: EventView[] = events.map((event) => decodeEventView(event));
    for (let index = 0; index < events.length; index++) {
      for (const rule of matcher.matching(views[index]!)) rule.deliver(events[index]!);
    }
  }
}

function fingerprintOf(rule: RuleDefinition): string {
  return JSON.stringify([rule.pattern, rule.target]);
}

/** Checks a definition's shape, reporting every problem at once. */
function checkRule(rule: RuleDefinition): { name: string; target: { queue: string } | { topic: string } } {
  if (!rule || typeof rule !== 'object') throw new ConfigurationError('putRule needs a rule definition.');
  const problems: string[] = [];
  if (typeof rule.name !== 'string' || rule.name === '') problems.push('name must be a non-empty string');
  if (typeof rule.matches !== 'function') problems.push('matches must be the compiled pattern (a function)');
  const target = rule.target as { queue?: unknown; topic?: unknown } | undefined;
  const queue = typeof target?.queue === 'string' && target.queue !== '' ? target.queue : undefined;
  const topic = typeof target?.topic === 'string' && target.topic !== '' ? target.topic : undefined;
  if ((queue === undefined) === (topic === undefined))
    problems.push("target must be { queue: 'name' } or { topic: 'name' }");
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid rule '${String(rule.name)}': ${problems.join('; ')}.`, {
      transport: 'memory',
    });
  }
  return { name: rule.name, target: queue !== undefined ? { queue } : { topic: topic! } };
}
