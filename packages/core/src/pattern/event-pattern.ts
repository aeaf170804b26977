/**
 * The Amazon EventBridge event-pattern language, as types.
 *
 * A pattern has the shape of the events it selects. Every field is either a nested pattern (an
 * object) or a non-empty list of alternatives; a field matches when any alternative matches, and a
 * pattern matches when every field does. `$or` takes two or more patterns, of which one must match.
 *
 * ```ts
 * const pattern: EventPattern = {
 *   source: ['payments'],
 *   type: ['PaymentFailed'],
 *   data: { amount: [{ numeric: ['>=', 1000] }], currency: [{ 'anything-but': ['XTS'] }] },
 * };
 * ```
 *
 * The types catch most mistakes at compile time; `validatePattern` catches the rest (empty lists,
 * inverted numeric ranges, malformed CIDR blocks…) with the same rules EventBridge applies.
 */

/** A literal alternative: matches an equal string, number, boolean or `null` in the event. */
export type PatternLiteral = string | number | boolean | null;

/** A case-insensitive operand, accepted by `prefix` and `suffix`. */
export interface IgnoreCaseOperand {
  readonly 'equals-ignore-case': string;
}

/**
 * The comparison list of a `numeric` matcher: one comparison, or a lower bound followed by an upper
 * bound, e.g. `['>', 0, '<=', 5]`.
 */
export type NumericComparison =
  | readonly ['=' | '<' | '<=' | '>' | '>=', number]
  | readonly ['>' | '>=', number, '<' | '<=', number];

/** What `anything-but` can exclude: values, or strings described by one string operator. */
export type AnythingButOperand =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** An operator alternative. Each object holds exactly one operator; names are case-sensitive. */
export type PatternMatcher =
  /** A string starting with the text (optionally ignoring case). */
  | { readonly prefix: string | IgnoreCaseOperand }
  /** A string ending with the text (optionally ignoring case). */
  | { readonly suffix: string | IgnoreCaseOperand }
  /** A string equal to the text, ignoring case. */
  | { readonly 'equals-ignore-case': string }
  /** A string matching the text where `*` stands for any run of characters (`\*` is a literal `*`). */
  | { readonly wildcard: string }
  /** Any value (string, number, boolean or null) except those described. */
  | { readonly 'anything-but': AnythingButOperand }
  /** A number satisfying the comparison(s). */
  | { readonly numeric: NumericComparison }
  /** `true`: the field holds a value; `false`: it holds none. Applies to leaf values only. */
  | { readonly exists: boolean }
  /** A string holding an IPv4 or IPv6 address inside the block, e.g. `'10.0.0.0/24'`. */
  | { readonly cidr: string };

/** One alternative in a field's list. */
export type PatternValue = PatternLiteral | PatternMatcher;

/**
 * An EventBridge event pattern: a JSON object whose leaves are non-empty lists of
 * {@link PatternValue}s. The `$or` key holds a list of at least two patterns.
 *
 * TypeScript cannot give one key of an index signature its own type, so any field may hold a list
 * of patterns as far as the type goes; `validatePattern` accepts that only under `$or`.
 */
export interface EventPattern {
  readonly [field: string]: readonly PatternValue[] | EventPattern | readonly EventPattern[];
}
