/**
 * The limits core applies to input it does not control — rule patterns and the bodies and headers
 * of delivered messages — before any recursive processing, so hostile input fails with a typed
 * error instead of overflowing the stack or polluting prototypes. Exposed as data so callers can
 * check their own input against the same numbers.
 */
export const UNTRUSTED_INPUT_LIMITS = {
  /** Deepest nesting of objects and lists in a rule pattern (`{ "a": [1] }` nests 2 deep). */
  patternMaxDepth: 32,
  /** Most keys, lists and values in one rule pattern, counted together. */
  patternMaxNodes: 10_000,
  /**
   * Deepest nesting of objects and lists in a decoded JSON body. Deeper bodies are a `DecodeError`
   * (dead-lettered at once): handlers, serialisers and structured clones recurse on them.
   */
  jsonMaxDepth: 128,
} as const;

/**
 * Keys refused wherever user JSON becomes objects (patterns, message bodies, structured
 * CloudEvents): code that merges or walks such an object by key could reach `Object.prototype`
 * through them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
