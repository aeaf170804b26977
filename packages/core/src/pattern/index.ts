/**
 * Amazon EventBridge event patterns: validation, compilation to a fast predicate, and one-off
 * matching, with EventBridge's semantics exactly (checked against the shared conformance vectors).
 */
export { compilePattern, type CompiledPattern } from './compile-pattern.js';
export { type CompiledPatternSet, compilePatternSet } from './compile-pattern-set.js';
export type {
  AnythingButOperand,
  EventPattern,
  IgnoreCaseOperand,
  NumericComparison,
  PatternLiteral,
  PatternMatcher,
  PatternValue,
} from './event-pattern.js';
export { matches } from './matches.js';
export { validatePattern } from './validate-pattern.js';
