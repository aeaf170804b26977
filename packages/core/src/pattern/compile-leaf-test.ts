import { ignoreCaseText } from './ignore-case-text.js';
import { compileRangeTest } from './ip-range.js';
import type { Matcher, NumericRange, TextCondition } from './matcher.js';
import { matchesWildcard } from './wildcard.js';

/** A JSON leaf value: what EventBridge compares against a field's alternatives. */
export type Scalar = string | number | boolean | null;

type ScalarTest = (value: Scalar) => boolean;

/** A field's list of alternatives, compiled. */
export interface LeafTest {
  /** Whether one leaf value matches some alternative (`exists: false` never does). */
  readonly test: ScalarTest;
  /** Whether the field matches when it holds no leaf value (`exists: false` is listed). */
  readonly acceptsAbsence: boolean;
  /** Whether the list is only `exists: false`, so it can never be satisfied by a value. */
  readonly onlyAbsence: boolean;
  /**
   * Set when the list is exactly one literal, the most common field by far, so the caller can
   * compare inline instead of calling `test`.
   */
  readonly only?: { readonly value: Scalar };
}

const never = (): boolean => false;
const always = (): boolean => true;

/**
 * Compiles a field's alternatives into one test. Literals become one `Set` lookup (`Set` tells
 * `"5"` from `5` and `"true"` from `true`, as EventBridge does); other operators become closures
 * tried in order. Each closure checks the value's type itself, so a field costs one call.
 */
export function compileLeafTest(matchers: readonly Matcher[]): LeafTest {
  const literals = new Set<Scalar>();
  const tests: ScalarTest[] = [];
  let acceptsAbsence = false;
  let anyValue = false;
  for (const matcher of matchers) {
    switch (matcher.kind) {
      case 'literal':
        literals.add(matcher.value);
        break;
      case 'exists':
        if (matcher.exists) anyValue = true;
        else acceptsAbsence = true;
        break;
      default:
        tests.push(compileMatcher(matcher));
    }
  }
  const onlyAbsence = acceptsAbsence && !anyValue && literals.size === 0 && tests.length === 0;
  if (anyValue) return { test: always, acceptsAbsence, onlyAbsence };
  if (literals.size === 1) {
    const value = literals.values().next().value as Scalar;
    tests.unshift((candidate) => candidate === value);
    if (tests.length === 1 && !acceptsAbsence)
      return { test: tests[0]!, acceptsAbsence, onlyAbsence, only: { value } };
  } else if (literals.size > 1) {
    tests.unshift((candidate) => literals.has(candidate));
  }
  return { test: anyOf(tests), acceptsAbsence, onlyAbsence };
}

function anyOf<T>(tests: ((value: T) => boolean)[]): (value: T) => boolean {
  const [first, second] = tests;
  if (first === undefined) return never;
  if (second === undefined) return first;
  if (tests.length === 2) return (value) => first(value) || second(value);
  return (value) => {
    for (let index = 0; index < tests.length; index++) if (tests[index]!(value)) return true;
    return false;
  };
}

function compileMatcher(matcher: Exclude<Matcher, { kind: 'literal' | 'exists' }>): ScalarTest {
  switch (matcher.kind) {
    case 'ip-range': {
      const contains = compileRangeTest(matcher.range);
      return (value) => typeof value === 'string' && contains(value);
    }
    case 'text':
      return compileTextCondition(matcher.condition);
    case 'numeric':
      return compileNumericRange(matcher.range);
    case 'anything-but-values': {
      // Only a value of the same type can be excluded: anything-but "5" accepts the number 5.
      const excluded = new Set<Scalar>(matcher.values);
      return (value) => !excluded.has(value);
    }
    case 'anything-but-text': {
      // Conditions are false for non-strings, so numbers, booleans and null are never excluded.
      const excluded = anyOf(matcher.conditions.map(compileTextCondition));
      return (value) => !excluded(value);
    }
  }
}

function compileNumericRange({ low, lowInclusive, high, highInclusive }: NumericRange): ScalarTest {
  if (lowInclusive && highInclusive)
    return (value) => typeof value === 'number' && value >= low && value <= high;
  if (lowInclusive) return (value) => typeof value === 'number' && value >= low && value < high;
  if (highInclusive) return (value) => typeof value === 'number' && value > low && value <= high;
  return (value) => typeof value === 'number' && value > low && value < high;
}

/**
 * A test that is true for strings meeting `condition` and false for any other value.
 *
 * Event Ruler compares strings in their quoted JSON form: a prefix `p` is matched against `"value"`
 * as `"p`. That only differs from a plain comparison when the operand itself holds a `"`, where a
 * prefix `a"` also matches the string `a`; those rare operands take the quoted path.
 */
function compileTextCondition(condition: TextCondition): ScalarTest {
  switch (condition.kind) {
    case 'prefix': {
      const { text } = condition;
      const quoted = text.includes('"');
      if (condition.ignoreCase) {
        const folded = ignoreCaseText(text);
        return quoted
          ? (value) => typeof value === 'string' && folded.startsOf(`${value}"`)
          : (value) => typeof value === 'string' && folded.startsOf(value);
      }
      return quoted
        ? (value) => typeof value === 'string' && `${value}"`.startsWith(text)
        : (value) => typeof value === 'string' && value.startsWith(text);
    }
    case 'suffix': {
      const { text } = condition;
      const quoted = text.includes('"');
      if (condition.ignoreCase) {
        const folded = ignoreCaseText(text);
        return quoted
          ? (value) => typeof value === 'string' && folded.endsOf(`"${value}`)
          : (value) => typeof value === 'string' && folded.endsOf(value);
      }
      return quoted
        ? (value) => typeof value === 'string' && `"${value}`.endsWith(text)
        : (value) => typeof value === 'string' && value.endsWith(text);
    }
    case 'equals-ignore-case': {
      const folded = ignoreCaseText(condition.text);
      return (value) => typeof value === 'string' && folded.equals(value);
    }
    case 'wildcard': {
      const { wildcard } = condition;
      return (value) => typeof value === 'string' && matchesWildcard(wildcard, value);
    }
  }
}
