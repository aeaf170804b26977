import type { Scalar } from './compile-leaf-test.js';
import { internalize } from './internalize-key.js';
import type { ParsedField } from './parse-pattern.js';

/** One alternative of one pattern, numbered across the whole set. */
export interface IndexedAlternative {
  readonly id: number;
  readonly fields: readonly ParsedField[];
}

/**
 * A state of the index. An event at this state looks up each probe's field in its own values and
 * moves to the state found for each value; the alternatives in `checks` are checked in full.
 */
export interface IndexNode {
  readonly probes: readonly IndexProbe[];
  readonly checks: readonly number[];
}

/** A field the alternatives below list exact values for, and the state each value leads to. */
export interface IndexProbe {
  /** The field's dot-joined name, as patterns name fields. */
  readonly field: string;
  /**
   * `keys[from][through]`: segments `from` to `from + through` of the name joined with `.`, so the
   * field can be read whether the event nests it (`{ a: { b } }`) or names it with a dot (`"a.b"`).
   */
  readonly keys: readonly (readonly string[])[];
  readonly children: ReadonlyMap<Scalar, IndexNode>;
}

// A state holding this few alternatives checks them instead of indexing further.
const DIRECT_CHECKS = 4;
// States chained from the root at most; deeper alternatives are checked at the last state.
const MAX_DEPTH = 8;
// An alternative listing several values sits under each of them; past this many places it stops
// descending, so patterns with long value lists in many fields cannot blow the index up.
const MAX_PLACES = 64;

interface Candidate {
  readonly id: number;
  /** The fields that list exact values only, with those values (each once). */
  readonly exact: ReadonlyMap<string, readonly Scalar[]>;
  /** Under how many values (states) the alternative sits so far. */
  readonly places: number;
}

/**
 * Builds the index of a set of alternatives: a tree whose states test one field's exact values
 * with a hash lookup. An alternative sits below a value only if it can match just an event holding
 * that value at that field (its list for the field holds literals only, no `exists` or other
 * operator), so following the event's values reaches every alternative that could match: the index
 * only ever skips alternatives that cannot match. Where to test which field is chosen greedily:
 * at each state, the field that splits the alternatives there into the smallest largest group.
 */
export function buildPatternIndex(alternatives: readonly IndexedAlternative[]): IndexNode {
  const candidates = alternatives.map(
    (alternative): Candidate => ({ id: alternative.id, exact: exactFields(alternative.fields), places: 1 }),
  );
  return buildNode(candidates, new Set(), 0, new Map());
}

function exactFields(fields: readonly ParsedField[]): Map<string, readonly Scalar[]> {
  const exact = new Map<string, readonly Scalar[]>();
  for (const field of fields) {
    const values = new Set<Scalar>();
    let literalsOnly = true;
    for (const matcher of field.matchers) {
      if (matcher.kind === 'literal') values.add(matcher.value);
      else literalsOnly = false;
    }
    if (literalsOnly) exact.set(field.name, [...values]);
  }
  return exact;
}

function buildNode(
  candidates: readonly Candidate[],
  used: ReadonlySet<string>,
  depth: number,
  keyCache: Map<string, IndexProbe['keys']>,
): IndexNode {
  const probes: IndexProbe[] = [];
  let rest = candidates;
  while (rest.length > DIRECT_CHECKS && depth < MAX_DEPTH) {
    const field = bestField(rest, used);
    if (field === undefined) break;
    const groups = new Map<Scalar, Candidate[]>();
    const remaining: Candidate[] = [];
    for (const candidate of rest) {
      const values = indexableValues(candidate, field);
      if (values === undefined) {
        remaining.push(candidate);
        continue;
      }
      const below: Candidate = { ...candidate, places: candidate.places * values.length };
      for (const value of values) {
        const group = groups.get(value);
        if (group === undefined) groups.set(value, [below]);
        else group.push(below);
      }
    }
    const usedBelow = new Set(used).add(field);
    const children = new Map<Scalar, IndexNode>();
    for (const [value, group] of groups)
      children.set(value, buildNode(group, usedBelow, depth + 1, keyCache));
    probes.push({ field, keys: keysOf(field, keyCache), children });
    rest = remaining;
  }
  return { probes, checks: rest.map((candidate) => candidate.id) };
}

/** The values `candidate` would be filed under for `field`, or undefined when it stays here. */
function indexableValues(candidate: Candidate, field: string): readonly Scalar[] | undefined {
  const values = candidate.exact.get(field);
  if (values === undefined || candidate.places * values.length > MAX_PLACES) return undefined;
  return values;
}

/**
 * The unused field that separates the candidates best: the most candidates filed under it minus
 * the largest group of them sharing one value (those would still be checked together). Undefined
 * when no field separates anything.
 */
function bestField(candidates: readonly Candidate[], used: ReadonlySet<string>): string | undefined {
  const filed = new Map<string, { count: number; perValue: Map<Scalar, number> }>();
  for (const candidate of candidates) {
    for (const field of candidate.exact.keys()) {
      if (used.has(field)) continue;
      const values = indexableValues(candidate, field);
      if (values === undefined) continue;
      let stats = filed.get(field);
      if (stats === undefined) {
        stats = { count: 0, perValue: new Map() };
        filed.set(field, stats);
      }
      stats.count++;
      for (const value of values) stats.perValue.set(value, (stats.perValue.get(value) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  let bestScore = 0;
  for (const [field, { count, perValue }] of filed) {
    let largest = 0;
    for (const shared of perValue.values()) if (shared > largest) largest = shared;
    const score = count - largest;
    if (score > bestScore) {
      best = field;
      bestScore = score;
    }
  }
  return best;
}

function keysOf(field: string, cache: Map<string, IndexProbe['keys']>): IndexProbe['keys'] {
  let keys = cache.get(field);
  if (keys === undefined) {
    const segments = field.split('.');
    keys = segments.map((_, from) =>
      segments
        .slice(from)
        .map((_, through) => internalize(segments.slice(from, from + through + 1).join('.'))),
    );
    cache.set(field, keys);
  }
  return keys;
}
