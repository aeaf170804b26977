import { type CompiledPattern, compilePattern } from './compile-pattern.js';
import type { EventPattern } from './event-pattern.js';

// Compiled forms, keyed by the pattern object itself, so they go away with the pattern.
const compiledByPattern = new WeakMap<EventPattern, CompiledPattern>();

/**
 * Whether `event` (any JSON value; an EventBridge-shaped event or an Omnibus envelope view) matches
 * `pattern`, with Amazon EventBridge's semantics. Throws `InvalidPatternError` for a pattern
 * EventBridge would reject.
 *
 * The compiled form of each pattern object is cached, so calling this repeatedly with the same
 * pattern costs about as much as calling {@link compilePattern}'s result. The cache assumes a pattern
 * is not changed after first use; compile a fresh object instead of mutating one.
 *
 * @example
 * matches({ source: ['payments'], data: { amount: [{ numeric: ['>=', 1000] }] } }, event);
 */
export function matches(pattern: EventPattern, event: unknown): boolean {
  let compiled = compiledByPattern.get(pattern);
  if (compiled === undefined) {
    compiled = compilePattern(pattern);
    compiledByPattern.set(pattern, compiled);
  }
  return compiled(event);
}
