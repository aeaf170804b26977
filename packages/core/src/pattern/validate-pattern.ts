import type { EventPattern } from './event-pattern.js';
import { parsePattern } from './parse-pattern.js';

/**
 * Checks that `pattern` is an Amazon EventBridge event pattern EventBridge itself would accept, and
 * narrows its type. Throws `InvalidPatternError` whose `path` points at the first problem (such as
 * `data.amount[0].numeric`, or `''` for the root) and whose `reason` says what to write instead.
 *
 * Besides the shape (a non-empty object whose leaves are non-empty lists of alternatives), it applies
 * the service's rules: known, case-sensitive operators with well-formed operands; numeric ranges
 * whose lower bound is below the upper; valid CIDR blocks; wildcards without `**` and within the
 * complexity limit; `$or` lists of two or more objects multiplying out to at most 1000 combinations.
 *
 * @example
 * validatePattern(JSON.parse(body)); // throws on a pattern EventBridge would reject
 */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  parsePattern(pattern);
}
