import { InvalidPatternError } from '../errors/index.js';
import { describeKind } from './describe-kind.js';
import type { NumericRange } from './matcher.js';
import { indexPath } from './pattern-path.js';

const EXAMPLE = 'e.g. [">", 0, "<=", 5] or ["=", 301.8]';

/**
 * Parses the operand of `numeric` at `location`: one comparison (`=`, `<`, `<=`, `>`, `>=` and a
 * number), or a lower bound (`>`/`>=`) followed by an upper bound (`<`/`<=`) above it.
 */
export function parseNumeric(operand: unknown, location: string): NumericRange {
  if (!Array.isArray(operand)) {
    throw new InvalidPatternError(
      location,
      `numeric takes a list of comparisons, ${EXAMPLE}; got ${describeKind(operand)}`,
    );
  }
  const operator = operand[0];
  if (typeof operator !== 'string' || !['=', '<', '<=', '>', '>='].includes(operator)) {
    throw new InvalidPatternError(
      indexPath(location, 0),
      `a numeric list starts with one of "=", "<", "<=", ">", ">=", ${EXAMPLE}; got ${describe(operator)}`,
    );
  }
  const bound = numberAt(operand, 1, operator, location);
  if (operator === '=' || operator === '<' || operator === '<=') {
    if (operand.length > 2) {
      throw new InvalidPatternError(
        indexPath(location, 2),
        operator === '='
          ? 'nothing may follow ["=", value]; list other values as separate alternatives'
          : `"${operator}" must be the last comparison; for a range put the lower bound first, e.g. [">", 0, "${operator}", ${bound}]`,
      );
    }
    if (operator === '=') return { low: bound, lowInclusive: true, high: bound, highInclusive: true };
    return {
      low: Number.NEGATIVE_INFINITY,
      lowInclusive: true,
      high: bound,
      highInclusive: operator === '<=',
    };
  }
  const lowInclusive = operator === '>=';
  if (operand.length === 2)
    return { low: bound, lowInclusive, high: Number.POSITIVE_INFINITY, highInclusive: true };
  const upper = operand[2];
  if (upper !== '<' && upper !== '<=') {
    throw new InvalidPatternError(
      indexPath(location, 2),
      `the second comparison must be an upper bound, "<" or "<=", e.g. [">", 0, "<=", 5]; got ${describe(upper)}`,
    );
  }
  const top = numberAt(operand, 3, upper, location);
  if (operand.length > 4) {
    throw new InvalidPatternError(
      indexPath(location, 4),
      `a numeric range has at most two comparisons, ${EXAMPLE}`,
    );
  }
  if (!(bound < top)) {
    throw new InvalidPatternError(
      location,
      `the lower bound (${bound}) must be below the upper bound (${top}); for a single number use ["=", ${bound}]`,
    );
  }
  return { low: bound, lowInclusive, high: top, highInclusive: upper === '<=' };
}

function numberAt(operand: unknown[], index: number, operator: string, location: string): number {
  const value = operand[index];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidPatternError(
      indexPath(location, index),
      `"${operator}" must be followed by a number, ${EXAMPLE}; got ${index < operand.length ? describe(value) : 'nothing'}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeKind(value);
}
