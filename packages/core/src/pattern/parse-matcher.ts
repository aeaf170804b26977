import { InvalidPatternError } from '../errors/index.js';
import { describeKind } from './describe-kind.js';
import { addressRange, parseCidr } from './ip-range.js';
import type { Matcher, TextCondition } from './matcher.js';
import { parseNumeric } from './parse-numeric.js';
import { indexPath, keyPath } from './pattern-path.js';
import { parseWildcard } from './wildcard.js';

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
];
const OPERATOR_LIST = OPERATORS.join(', ');

/**
 * Parses one alternative of a field's list (`location` is its path): a string, number, boolean or
 * null literal, or an object holding exactly one operator. Throws `InvalidPatternError` for anything
 * EventBridge would reject.
 */
export function parseMatcher(value: unknown, location: string): Matcher {
  switch (typeof value) {
    case 'string': {
      // EventBridge compares a plain string that is an IP address as an address, not as text.
      const range = addressRange(value);
      return range === undefined ? { kind: 'literal', value } : { kind: 'ip-range', range };
    }
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidPatternError(location, `${value} is not a JSON number`);
      return { kind: 'literal', value };
    case 'boolean':
      return { kind: 'literal', value };
    case 'object':
      if (value === null) return { kind: 'literal', value };
      if (Array.isArray(value)) {
        throw new InvalidPatternError(
          location,
          'a list of alternatives cannot contain another list; write its values directly, e.g. ["a", "b"]',
        );
      }
      return parseOperator(value as Record<string, unknown>, location);
    default:
      throw new InvalidPatternError(
        location,
        `alternatives are strings, numbers, booleans, null or operator objects; got ${describeKind(value)}`,
      );
  }
}

function parseOperator(object: Record<string, unknown>, location: string): Matcher {
  const names = Object.keys(object);
  if (names.length !== 1) {
    throw new InvalidPatternError(
      location,
      names.length === 0
        ? `an operator object needs one operator (${OPERATOR_LIST}), e.g. { "prefix": "abc" }`
        : `an operator object holds exactly one operator, found ${names.length} (${names.join(', ')}); put each in its own object, e.g. [{ "prefix": "a" }, { "suffix": "z" }]`,
    );
  }
  const name = names[0]!;
  const operand = object[name];
  const at = keyPath(location, name);
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (typeof operand === 'string')
        return { kind: 'text', condition: { kind: name, text: operand, ignoreCase: false } };
      const text = ignoreCaseOperand(operand);
      if (text === undefined) {
        throw new InvalidPatternError(
          at,
          `${name} takes a string or { "equals-ignore-case": string }; got ${describeKind(operand)}`,
        );
      }
      return { kind: 'text', condition: { kind: name, text, ignoreCase: true } };
    }
    case 'equals-ignore-case':
      return { kind: 'text', condition: { kind: name, text: stringOperand(operand, name, at) } };
    case 'wildcard':
      return { kind: 'text', condition: wildcardCondition(stringOperand(operand, name, at), at) };
    case 'anything-but':
      return parseAnythingBut(operand, at);
    case 'numeric':
      return { kind: 'numeric', range: parseNumeric(operand, at) };
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidPatternError(at, `exists takes true or false; got ${describeKind(operand)}`);
      }
      return { kind: 'exists', exists: operand };
    case 'cidr': {
      const range = parseCidr(stringOperand(operand, name, at));
      if (typeof range === 'string') throw new InvalidPatternError(at, range);
      return { kind: 'ip-range', range };
    }
    default:
      throw new InvalidPatternError(at, unknownOperatorReason(name));
  }
}

function unknownOperatorReason(name: string): string {
  const sameLetters = OPERATORS.find((operator) => operator === name.toLowerCase());
  if (sameLetters !== undefined)
    return `unknown operator "${name}"; operator names are case-sensitive: write "${sameLetters}"`;
  if (name === 'exactly')
    return 'the "exactly" operator is not part of EventBridge patterns; list the string itself, e.g. ["abc"]';
  return `unknown operator "${name}"; the operators are ${OPERATOR_LIST}`;
}

function ignoreCaseOperand(operand: unknown): string | undefined {
  if (typeof operand !== 'object' || operand === null || Array.isArray(operand)) return undefined;
  const keys = Object.keys(operand);
  const text = (operand as Record<string, unknown>)['equals-ignore-case'];
  return keys.length === 1 && typeof text === 'string' ? text : undefined;
}

function stringOperand(operand: unknown, name: string, location: string): string {
  if (typeof operand === 'string') return operand;
  throw new InvalidPatternError(location, `${name} takes a single string; got ${describeKind(operand)}`);
}

function wildcardCondition(text: string, location: string): TextCondition {
  const wildcard = parseWildcard(text);
  if (typeof wildcard === 'string') throw new InvalidPatternError(location, wildcard);
  return { kind: 'wildcard', wildcard };
}

const ANYTHING_BUT_FORMS =
  'anything-but takes a string, a number, a list of strings, a list of numbers, or { "prefix" | "suffix" | "equals-ignore-case" | "wildcard": string or list of strings }';

function parseAnythingBut(operand: unknown, location: string): Matcher {
  if (typeof operand === 'string') return { kind: 'anything-but-values', values: [operand] };
  if (typeof operand === 'number' && Number.isFinite(operand))
    return { kind: 'anything-but-values', values: [operand] };
  if (Array.isArray(operand))
    return { kind: 'anything-but-values', values: excludedValues(operand, location) };
  if (typeof operand !== 'object' || operand === null) {
    throw new InvalidPatternError(
      location,
      `${ANYTHING_BUT_FORMS}; got ${describeKind(operand)} (null and booleans cannot be excluded)`,
    );
  }
  const names = Object.keys(operand);
  const name = names[0];
  if (names.length !== 1 || name === undefined) {
    throw new InvalidPatternError(
      location,
      `${ANYTHING_BUT_FORMS}; the object must hold exactly one of those operators`,
    );
  }
  const at = keyPath(location, name);
  if (name !== 'prefix' && name !== 'suffix' && name !== 'equals-ignore-case' && name !== 'wildcard') {
    throw new InvalidPatternError(
      at,
      `anything-but cannot wrap "${name}"; it wraps prefix, suffix, equals-ignore-case or wildcard`,
    );
  }
  const inner = (operand as Record<string, unknown>)[name];
  const texts = excludedTexts(inner, name, at);
  const conditions = texts.map((text, index): TextCondition => {
    const textLocation = typeof inner === 'string' ? at : indexPath(at, index);
    if ((name === 'prefix' || name === 'suffix') && text === '') {
      throw new InvalidPatternError(
        textLocation,
        `an empty ${name} would exclude every string; remove it or give some text`,
      );
    }
    if (name === 'wildcard') return wildcardCondition(text, textLocation);
    if (name === 'equals-ignore-case') return { kind: name, text };
    return { kind: name, text, ignoreCase: false };
  });
  return { kind: 'anything-but-text', conditions };
}

function excludedValues(list: unknown[], location: string): (string | number)[] {
  if (list.length === 0)
    throw new InvalidPatternError(
      location,
      'an empty anything-but list excludes nothing; list at least one value',
    );
  const kind = typeof list[0];
  list.forEach((value, index) => {
    const isString = typeof value === 'string';
    const isNumber = typeof value === 'number' && Number.isFinite(value);
    if (!isString && !isNumber) {
      throw new InvalidPatternError(
        indexPath(location, index),
        `an anything-but list holds only strings or only numbers; got ${describeKind(value)} (null and booleans cannot be excluded)`,
      );
    }
    if (typeof value !== kind) {
      throw new InvalidPatternError(
        indexPath(location, index),
        'an anything-but list holds only strings or only numbers, not both; use one anything-but per type',
      );
    }
  });
  return list as (string | number)[];
}

function excludedTexts(inner: unknown, name: string, location: string): string[] {
  if (typeof inner === 'string') return [inner];
  if (!Array.isArray(inner)) {
    throw new InvalidPatternError(
      location,
      `anything-but ${name} takes a string or a list of strings; got ${describeKind(inner)}`,
    );
  }
  if (inner.length === 0)
    throw new InvalidPatternError(
      location,
      `an empty anything-but ${name} list excludes nothing; list at least one string`,
    );
  inner.forEach((text, index) => {
    if (typeof text !== 'string') {
      throw new InvalidPatternError(
        indexPath(location, index),
        `anything-but ${name} lists hold strings only; got ${describeKind(text)}`,
      );
    }
  });
  return inner as string[];
}
