import type { FilterValue } from '../message-property-view.js';
import type { ArithmeticOperator, ComparisonOperator } from './sql-syntax-tree.js';

/**
 * Evaluation results: a value, or `undefined` for SQL's *unknown* (a missing user property, a
 * null, or an operation C# would not bind). Booleans double as predicate results.
 */
export type SqlResult = FilterValue | undefined;

const isNumeric = (value: SqlResult): value is bigint | number =>
  typeof value === 'bigint' || typeof value === 'number';
const isUnknown = (value: SqlResult) => value === undefined || value === null;

/** C#-style promotion: `long op long` stays integral, anything with a `double` becomes `double`. */
export function arithmetic(operator: ArithmeticOperator, left: SqlResult, right: SqlResult): SqlResult {
  if (isUnknown(left) || isUnknown(right)) return undefined;
  if (operator === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (!isNumeric(left) || !isNumeric(right)) return undefined;
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    switch (operator) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return right === 0n ? undefined : left / right;
      case '%':
        return right === 0n ? undefined : left % right;
    }
  }
  const a = Number(left);
  const b = Number(right);
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
  }
}

/** Unary minus; unknown stays unknown. */
export function negate(value: SqlResult): SqlResult {
  if (typeof value === 'bigint') return -value;
  if (typeof value === 'number') return -value;
  return undefined;
}

/** Orders two values of comparable types: -1, 0, 1, or `undefined` when they do not compare. */
function order(left: FilterValue, right: FilterValue): number | undefined {
  if (isNumeric(left) && isNumeric(right)) {
    // bigint and number compare exactly in JavaScript, which is what promotion to double intends.
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (left instanceof Date && right instanceof Date) {
    return Math.sign(left.getTime() - right.getTime());
  }
  return undefined;
}

/** Equality with promotion; `undefined` (unknown) when either side is unknown or types do not mix. */
export function valuesEqual(left: SqlResult, right: SqlResult): boolean | undefined {
  if (isUnknown(left) || isUnknown(right)) return undefined;
  const a = left as FilterValue;
  const b = right as FilterValue;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  const ordered = order(a, b);
  return ordered === undefined ? undefined : ordered === 0;
}

/** A comparison under three-valued logic. Strings only support `=` and `<>`, as in C#. */
export function compare(
  operator: ComparisonOperator,
  left: SqlResult,
  right: SqlResult,
): boolean | undefined {
  if (operator === '=') return valuesEqual(left, right);
  if (operator === '<>') {
    const equal = valuesEqual(left, right);
    return equal === undefined ? undefined : !equal;
  }
  if (isUnknown(left) || isUnknown(right)) return undefined;
  const ordered = order(left as FilterValue, right as FilterValue);
  if (ordered === undefined) return undefined;
  switch (operator) {
    case '<':
      return ordered < 0;
    case '<=':
      return ordered <= 0;
    case '>':
      return ordered > 0;
    case '>=':
      return ordered >= 0;
  }
}

/** Kleene AND: false wins, then unknown. */
export function and(left: boolean | undefined, right: boolean | undefined): boolean | undefined {
  if (left === false || right === false) return false;
  if (left === undefined || right === undefined) return undefined;
  return true;
}

/** Kleene OR: true wins, then unknown. */
export function or(left: boolean | undefined, right: boolean | undefined): boolean | undefined {
  if (left === true || right === true) return true;
  if (left === undefined || right === undefined) return undefined;
  return false;
}

/** Reads a result as a truth value; anything but a boolean is unknown. */
export function truthOf(value: SqlResult): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** `NOT` under three-valued logic. */
export function not(value: boolean | undefined): boolean | undefined {
  return value === undefined ? undefined : !value;
}

const likePatternCache = new Map<string, RegExp>();

/**
 * `LIKE` with `%` (any run) and `_` (one character); the escape character makes the next
 * character literal. Unknown operands give unknown.
 */
export function like(value: SqlResult, pattern: SqlResult, escapeCharacter: SqlResult): boolean | undefined {
  if (typeof value !== 'string' || typeof pattern !== 'string') return undefined;
  if (
    escapeCharacter !== undefined &&
    (typeof escapeCharacter !== 'string' || [...escapeCharacter].length !== 1)
  )
    return undefined;
  const cacheKey = `${escapeCharacter ?? ''}\u0000${pattern}`;
  let regex = likePatternCache.get(cacheKey);
  if (!regex) {
    let source = '';
    const characters = [...pattern];
    for (let index = 0; index < characters.length; index++) {
      const char = characters[index]!;
      if (escapeCharacter !== undefined && char === escapeCharacter) {
        const next = characters[++index];
        if (next === undefined) return undefined;
        source += escapeForRegex(next);
      } else if (char === '%') {
        source += '[\\s\\S]*';
      } else if (char === '_') {
        source += '[\\s\\S]';
      } else {
        source += escapeForRegex(char);
      }
    }
    regex = new RegExp(`^${source}$`, 'u');
    if (likePatternCache.size > 1000) likePatternCache.clear();
    likePatternCache.set(cacheKey, regex);
  }
  return regex.test(value);
}

const escapeForRegex = (char: string) => char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
