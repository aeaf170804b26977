import type { Scalar } from './compile-leaf-test.js';
import { compileAlternatives, type JsonObject } from './compile-pattern.js';
import type { EventPattern } from './event-pattern.js';
import { parsePattern } from './parse-pattern.js';
import {
  buildPatternIndex,
  type IndexedAlternative,
  type IndexNode,
  type IndexProbe,
} from './build-pattern-index.js';

/**
 * Many patterns compiled into one matcher. Pure and synchronous; keep it for as long as the
 * patterns do not change and compile a new one when they do.
 */
export interface CompiledPatternSet<T> {
  /** How many patterns the set holds. */
  readonly size: number;
  /**
   * The value of every pattern `event` matches, each once, in the order the patterns were given.
   * An event that is not a JSON object matches nothing. The result is a fresh array.
   */
  matching(event: unknown): T[];
}

/**
 * Compiles `entries` (pattern and the value to return when it matches, e.g. a rule) into one
 * matcher whose cost grows with what the event could match, not with the number of patterns.
 *
 * Each pattern is validated and compiled exactly as {@link compilePattern} does; the result for
 * every pattern is the same as `compilePattern(pattern)(event)`. What is added is an index: the
 * fields a pattern lists exact values for (`source: ['orders']`, `type: ['A', 'B']`) become keys
 * of a tree of hash tables, the way Event Ruler shares one state machine between all its rules. An
 * event walks the tree by its own values, and only the patterns reached there are checked in full.
 * A pattern with no exact-value field (only `prefix`, `numeric`, `exists`, …) is checked for every
 * event, so sets made mostly of such patterns still grow with their size.
 *
 * Throws `InvalidPatternError` for the first pattern EventBridge would reject.
 *
 * @example
 * const rules = compilePatternSet(definitions.map((rule) => [rule.pattern, rule] as const));
 * for (const rule of rules.matching(view)) deliver(rule, event);
 */
export function compilePatternSet<T>(
  entries: Iterable<readonly [pattern: EventPattern, value: T]>,
): CompiledPatternSet<T> {
  const values: T[] = [];
  const checks: ((event: JsonObject) => boolean)[] = [];
  const owners: number[] = [];
  const indexed: IndexedAlternative[] = [];
  for (const [pattern, value] of entries) {
    const parsed = parsePattern(pattern);
    const compiled = compileAlternatives(parsed);
    const owner = values.length;
    values.push(value);
    parsed.alternatives.forEach((fields, index) => {
      indexed.push({ id: checks.length, fields });
      checks.push(compiled[index]!);
      owners.push(owner);
    });
  }
  const root = buildPatternIndex(indexed);
  const state: MatchState = {
    checks,
    owners,
    checkedIn: new Uint32Array(checks.length),
    matchedIn: new Uint32Array(values.length),
    round: 0,
    event: {},
    found: [],
  };
  return {
    size: values.length,
    matching(event) {
      if (typeof event !== 'object' || event === null || Array.isArray(event) || values.length === 0)
        return [];
      const found: number[] = [];
      state.event = event as JsonObject;
      state.found = found;
      state.round = nextRound(state);
      try {
        visitNode(state, root);
      } finally {
        // Not holding on to the event after the call.
        state.event = {};
        state.found = [];
      }
      if (found.length > 1) found.sort(ascending);
      const result: T[] = new Array(found.length);
      for (let index = 0; index < found.length; index++) result[index] = values[found[index]!]!;
      return result;
    },
  };
}

/**
 * What one call works with. Rounds number the calls, so "already checked in this call" is one
 * comparison against a stamp instead of a set allocated per event.
 */
interface MatchState {
  readonly checks: readonly ((event: JsonObject) => boolean)[];
  /** The pattern each alternative belongs to. */
  readonly owners: readonly number[];
  /** The round in which each alternative was last checked. */
  checkedIn: Uint32Array;
  /** The round in which each pattern last matched. */
  matchedIn: Uint32Array;
  round: number;
  event: JsonObject;
  found: number[];
}

function nextRound(state: MatchState): number {
  if (state.round < 0xffff_fffe) return state.round + 1;
  state.checkedIn.fill(0);
  state.matchedIn.fill(0);
  return 1;
}

function ascending(left: number, right: number): number {
  return left - right;
}

function visitNode(state: MatchState, node: IndexNode): void {
  const { probes, checks } = node;
  for (let index = 0; index < probes.length; index++) readObject(state, probes[index]!, state.event, 0);
  for (let index = 0; index < checks.length; index++) check(state, checks[index]!);
}

/** Checks one alternative in full, once per call, and records its pattern when it holds. */
function check(state: MatchState, id: number): void {
  const { round } = state;
  if (state.checkedIn[id] === round) return;
  state.checkedIn[id] = round;
  const owner = state.owners[id]!;
  if (state.matchedIn[owner] === round) return;
  if (state.checks[id]!(state.event)) {
    state.matchedIn[owner] = round;
    state.found.push(owner);
  }
}

/**
 * Follows the probe's field from `object`, whose keys are segment `from` of the field name. Every
 * way of reading the rest of the name is tried (`a` then `b`, or the key `"a.b"`), so the values
 * found are a superset of those the full check reads; the full check then decides.
 */
function readObject(state: MatchState, probe: IndexProbe, object: JsonObject, from: number): void {
  const keys = probe.keys[from]!;
  for (let through = 0; through < keys.length; through++) {
    const value = object[keys[through]!];
    if (value !== undefined) readValue(state, probe, value, from + through + 1);
  }
}

function readValue(state: MatchState, probe: IndexProbe, value: unknown, next: number): void {
  if (next === probe.keys.length) {
    readLeaf(state, probe, value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (!Array.isArray(value)) {
    readObject(state, probe, value as JsonObject, next);
    return;
  }
  // A list of objects: any element may hold the field (nested lists are flattened).
  for (let index = 0; index < value.length; index++) readValue(state, probe, value[index], next);
}

function readLeaf(state: MatchState, probe: IndexProbe, value: unknown): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      break;
    case 'object':
      if (value === null) break;
      if (Array.isArray(value))
        for (let index = 0; index < value.length; index++) readLeaf(state, probe, value[index]);
      return;
    default:
      return;
  }
  const child = probe.children.get(value as Scalar);
  if (child !== undefined) visitNode(state, child);
}
