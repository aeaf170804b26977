import type { PatternLiteral } from './event-pattern.js';
import type { IpRange } from './ip-range.js';
import type { Wildcard } from './wildcard.js';

/**
 * The parsed form of one alternative in a field's list: what `parsePattern` produces from the JSON
 * syntax and what `compilePattern` turns into a test. Operands are already checked and normalised
 * (ranges resolved, CIDR blocks decoded, wildcards split), so compiling never fails.
 */
export type Matcher =
  /** Equal to a string, number, boolean or null. */
  | { readonly kind: 'literal'; readonly value: PatternLiteral }
  /** A string holding an address inside the range: `cidr`, or a plain string that is an IP address. */
  | { readonly kind: 'ip-range'; readonly range: IpRange }
  /** A string meeting a text condition. */
  | { readonly kind: 'text'; readonly condition: TextCondition }
  /** A number inside the range. */
  | { readonly kind: 'numeric'; readonly range: NumericRange }
  /** Presence (`true`) or absence (`false`) of a leaf value. */
  | { readonly kind: 'exists'; readonly exists: boolean }
  /** Any value except these strings or numbers (they are all of one type). */
  | { readonly kind: 'anything-but-values'; readonly values: readonly (string | number)[] }
  /** Any value except a string meeting one of the conditions. */
  | { readonly kind: 'anything-but-text'; readonly conditions: readonly TextCondition[] };

/** A condition on a string, shared by the plain operators and their `anything-but` forms. */
export type TextCondition =
  | { readonly kind: 'prefix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly text: string }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard };

/** Numbers between `low` and `high`; an open side is ±Infinity. `=` is a range of one number. */
export interface NumericRange {
  readonly low: number;
  readonly lowInclusive: boolean;
  readonly high: number;
  readonly highInclusive: boolean;
}
