import { InvalidPatternError } from '../errors/index.js';
import { checkPatternLimits } from './check-pattern-limits.js';
import { describeKind } from './describe-kind.js';
import type { Matcher } from './matcher.js';
import { parseMatcher } from './parse-matcher.js';
import { indexPath, keyPath } from './pattern-path.js';
import type { Wildcard } from './wildcard.js';
import { WILDCARD_COMPLEXITY_LIMIT, wildcardComplexity } from './wildcard-complexity.js';

/**
 * A validated pattern in the form matching works on. Like Event Ruler, `$or` is multiplied out: the
 * pattern matches when any alternative does, and an alternative matches when all its fields do.
 */
export interface ParsedPattern {
  readonly alternatives: readonly (readonly ParsedField[])[];
}

/** One field of an alternative: its dot-joined name and its list of matchers (any may match). */
export interface ParsedField {
  /** Keys from the root joined with `.`, as Event Ruler names fields: `detail.state`. */
  readonly name: string;
  /** Where the list is in the pattern, for error messages. */
  readonly location: string;
  readonly matchers: readonly Matcher[];
}

/** EventBridge refuses a pattern whose `$or`s multiply out to more than this many alternatives. */
export const MAX_ALTERNATIVES = 1000;

// Inside `$or`, Event Ruler refuses field names that are (or are reserved as) operator names, so a
// branch cannot be mistaken for an operator object.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/**
 * Checks `pattern` against EventBridge's rules and returns its parsed form. Throws
 * `InvalidPatternError` naming the first offending place and what to do about it.
 */
export function parsePattern(pattern: unknown): ParsedPattern {
  if (!isPlainObject(pattern)) {
    throw new InvalidPatternError(
      '',
      `an event pattern is a JSON object such as { "source": ["orders"] }; got ${describeKind(pattern)}`,
    );
  }
  checkPatternLimits(pattern);
  const root = parseObject(pattern, '', '', false);
  const alternatives = expand(root);
  checkWildcardComplexity(alternatives);
  return { alternatives };
}

/** A pattern object before `$or` is multiplied out, in key order (later duplicates override). */
interface ObjectNode {
  readonly entries: readonly Entry[];
  /** How many alternatives this object multiplies out to. */
  readonly count: number;
}

type Entry =
  | { readonly kind: 'field'; readonly field: ParsedField }
  | { readonly kind: 'object'; readonly node: ObjectNode }
  | { readonly kind: 'or'; readonly branches: readonly ObjectNode[] };

function parseObject(
  object: Record<string, unknown>,
  location: string,
  name: string,
  insideOr: boolean,
): ObjectNode {
  const keys = Object.keys(object);
  if (keys.length === 0) {
    throw new InvalidPatternError(
      location,
      location === ''
        ? 'a pattern needs at least one field, e.g. { "source": ["orders"] }'
        : 'an empty object matches nothing; give it a field or remove it',
    );
  }
  const entries: Entry[] = [];
  let count = 1;
  for (const key of keys) {
    const value = object[key];
    const at = keyPath(location, key);
    if (key === '$or') {
      const branches = parseOr(value, at, name);
      entries.push({ kind: 'or', branches });
      count *= branches.reduce((sum, branch) => sum + branch.count, 0);
    } else {
      if (insideOr && RESERVED_IN_OR.has(key)) {
        throw new InvalidPatternError(
          at,
          `"${key}" is an operator name and cannot be a field name inside $or; match it outside the $or, or check the nesting of the operator object`,
        );
      }
      const fieldName = name === '' ? key : `${name}.${key}`;
      if (Array.isArray(value)) {
        entries.push({ kind: 'field', field: parseField(value, at, fieldName) });
      } else if (isPlainObject(value)) {
        const node = parseObject(value, at, fieldName, insideOr);
        entries.push({ kind: 'object', node });
        count *= node.count;
      } else {
        throw new InvalidPatternError(at, leafReason(value));
      }
    }
    if (count > MAX_ALTERNATIVES) {
      throw new InvalidPatternError(
        at,
        `the $or clauses multiply out to more than ${MAX_ALTERNATIVES} combinations, the EventBridge limit; merge branches (several values in one list already mean "any of") or split the rule`,
      );
    }
  }
  return { entries, count };
}

function leafReason(value: unknown): string {
  const example =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? JSON.stringify([value])
      : '["value"]';
  return `a field is a list of alternatives such as ${example}, or an object of nested fields; got ${describeKind(value)}`;
}

function parseField(list: unknown[], location: string, name: string): ParsedField {
  if (list.length === 0) {
    throw new InvalidPatternError(
      location,
      'an empty list matches nothing; list at least one alternative, or use [{ "exists": false }] to require the field to be absent',
    );
  }
  return {
    name,
    location,
    matchers: list.map((value, index) => parseMatcher(value, indexPath(location, index))),
  };
}

function parseOr(value: unknown, location: string, name: string): ObjectNode[] {
  if (!Array.isArray(value) || value.length < 2) {
    throw new InvalidPatternError(
      location,
      `$or takes a list of at least two pattern objects, e.g. [{ "a": [1] }, { "b": [2] }]; got ${Array.isArray(value) ? `a list of ${value.length}` : describeKind(value)}`,
    );
  }
  return value.map((branch, index) => {
    const at = indexPath(location, index);
    if (!isPlainObject(branch)) {
      throw new InvalidPatternError(
        at,
        `each $or branch is a pattern object such as { "a": [1] }; got ${describeKind(branch)}`,
      );
    }
    return parseObject(branch, at, name, true);
  });
}

/**
 * Multiplies out `$or` the way Event Ruler does: walking keys in order over a list of alternatives,
 * a field is set (replacing an earlier one of the same name) in every alternative so far, and an
 * `$or` replaces each alternative by one copy per branch.
 */
function expand(root: ObjectNode): ParsedField[][] {
  let alternatives: Map<string, ParsedField>[] = [new Map()];
  const visit = (node: ObjectNode): void => {
    for (const entry of node.entries) {
      if (entry.kind === 'field') {
        for (const alternative of alternatives) alternative.set(entry.field.name, entry.field);
      } else if (entry.kind === 'object') {
        visit(entry.node);
      } else {
        const before = alternatives;
        const after: Map<string, ParsedField>[] = [];
        for (const branch of entry.branches) {
          alternatives = before.map((alternative) => new Map(alternative));
          visit(branch);
          after.push(...alternatives);
        }
        alternatives = after;
      }
    }
  };
  visit(root);
  return alternatives.map((alternative) => [...alternative.values()]);
}

function checkWildcardComplexity(alternatives: ParsedField[][]): void {
  const checked = new Set<ParsedField>();
  for (const field of alternatives.flat()) {
    if (checked.has(field)) continue;
    checked.add(field);
    const wildcards: Wildcard[] = [];
    for (const matcher of field.matchers) {
      if (matcher.kind === 'text' && matcher.condition.kind === 'wildcard')
        wildcards.push(matcher.condition.wildcard);
      if (matcher.kind === 'anything-but-text') {
        for (const condition of matcher.conditions)
          if (condition.kind === 'wildcard') wildcards.push(condition.wildcard);
      }
    }
    if (wildcards.length === 0) continue;
    const complexity = wildcardComplexity(wildcards);
    if (complexity > WILDCARD_COMPLEXITY_LIMIT) {
      throw new InvalidPatternError(
        field.location,
        `the wildcard${wildcards.length > 1 ? 's' : ''} ${wildcards.map((wildcard) => JSON.stringify(wildcard.text)).join(', ')} ${wildcards.length > 1 ? 'are' : 'is'} too complex for EventBridge (up to ${Number.isFinite(complexity) ? complexity : 'too many'} partial matches at once, limit ${WILDCARD_COMPLEXITY_LIMIT}); use fewer "*" or fewer repeated characters after a "*", e.g. replace "*:*:*" by a prefix or suffix`,
      );
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
