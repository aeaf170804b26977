import { InvalidPatternError } from '../errors/index.js';
import { PROTOTYPE_KEYS, UNTRUSTED_INPUT_LIMITS } from '../limits/untrusted-input-limits.js';
import { indexPath, keyPath } from './pattern-path.js';

/**
 * Walks a pattern without recursion before anything recursive touches it, and throws
 * `InvalidPatternError` when it nests deeper than `patternMaxDepth`, holds more than
 * `patternMaxNodes` values or uses a prototype key. A 20,000-level pattern thus fails with a
 * path and a reason, not a `RangeError`.
 */
export function checkPatternLimits(pattern: unknown): void {
  const { patternMaxDepth, patternMaxNodes } = UNTRUSTED_INPUT_LIMITS;
  const pending: { value: unknown; location: string; depth: number }[] = [
    { value: pattern, location: '', depth: 0 },
  ];
  let nodes = 0;
  while (pending.length > 0) {
    const { value, location, depth } = pending.pop()!;
    if (++nodes > patternMaxNodes) {
      throw new InvalidPatternError(
        '',
        `the pattern holds more than ${patternMaxNodes} keys and values, the Omnibus limit; split it into several rules`,
      );
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= patternMaxDepth) {
      throw new InvalidPatternError(
        location,
        `the pattern nests deeper than ${patternMaxDepth} levels, the Omnibus limit; match a flatter shape`,
      );
    }
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++)
        pending.push({ value: value[index], location: indexPath(location, index), depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = keyPath(location, key);
      if (PROTOTYPE_KEYS.has(key)) {
        throw new InvalidPatternError(
          at,
          `"${key}" is refused as a field name: merging code could reach Object.prototype through it`,
        );
      }
      pending.push({ value: (value as Record<string, unknown>)[key], location: at, depth: depth + 1 });
    }
  }
}
