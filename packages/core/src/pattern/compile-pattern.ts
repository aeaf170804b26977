import { internalize } from './internalize-key.js';
import { compileLeafTest, type LeafTest, type Scalar } from './compile-leaf-test.js';
import type { EventPattern } from './event-pattern.js';
import { type ParsedField, type ParsedPattern, parsePattern } from './parse-pattern.js';

/**
 * A pattern compiled into a predicate over events. Pure and synchronous; safe to call from many
 * places at once and to keep for as long as the pattern is used. Any JSON value may be passed; an
 * event that is not a JSON object matches nothing.
 */
export type CompiledPattern = (event: unknown) => boolean;

/**
 * Validates `pattern` (throwing `InvalidPatternError` as `validatePattern` does) and compiles it
 * into a {@link CompiledPattern} with Amazon EventBridge's matching semantics:
 *
 * - every field of the pattern must match, and a field matches when any of its alternatives does;
 * - when the event holds a list, any element may match; nested lists are flattened;
 * - a nested pattern meets a list of objects element by element: all its fields must match within
 *   one element (Event Ruler's array consistency);
 * - `exists` looks at leaf values only: an object, or an empty list, counts as absent;
 * - field names join with `.`, so `{ "a.b": [1] }` and `{ "a": { "b": [1] } }` are the same field,
 *   and either matches an event key `"a.b"` as well as `{ "a": { "b": 1 } }`.
 *
 * The work of reading the pattern is done here, once; a call walks only the fields the pattern
 * names and allocates nothing in the common case. Compile once and keep the result.
 */
export function compilePattern(pattern: EventPattern): CompiledPattern {
  const match = anyOf(compileAlternatives(parsePattern(pattern)));
  return (event) =>
    typeof event === 'object' && event !== null && !Array.isArray(event) && match(event as JsonObject);
}

/** A JSON object, as the checks of {@link compileAlternatives} read it. */
export type JsonObject = Record<string, unknown>;
type Check<T> = (value: T) => boolean;

/**
 * Compiles each alternative of a parsed pattern into a check over an event that is already known
 * to be a JSON object (not a list). The pattern matches when any check holds; the combined matcher
 * of many patterns (`compilePatternSet`) runs them one by one, after its index picked them.
 */
export function compileAlternatives({ alternatives }: ParsedPattern): Check<JsonObject>[] {
  const leafTests = new Map<ParsedField, LeafTest>();
  const leafTest = (field: ParsedField): LeafTest => {
    let test = leafTests.get(field);
    if (test === undefined) {
      test = compileLeafTest(field.matchers);
      leafTests.set(field, test);
    }
    return test;
  };
  return alternatives.map((fields) => compileNode(buildTree(fields, leafTest)).objectCheck);
}

/** The fields of one alternative as a tree of keys. */
interface TreeNode {
  /** Keys from the root to here. */
  readonly segments: readonly string[];
  leaf: LeafTest | undefined;
  readonly children: Map<string, TreeNode>;
}

function buildTree(fields: readonly ParsedField[], leafTest: (field: ParsedField) => LeafTest): TreeNode {
  const root: TreeNode = { segments: [], leaf: undefined, children: new Map() };
  for (const field of fields) {
    let node = root;
    for (const segment of field.name.split('.')) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { segments: [...node.segments, segment], leaf: undefined, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.leaf = leafTest(field);
  }
  return root;
}

interface CompiledNode {
  /** The node against the object holding its fields (used for the root and for objects found). */
  readonly objectCheck: Check<JsonObject>;
  /** The node against the (defined) value at its path. */
  readonly valueCheck: Check<unknown>;
  /** Reads the node's key from its parent object and checks what is there. */
  readonly inParent: Check<JsonObject>;
  /**
   * The node when an ancestor's key (or its own) is missing from `object`, whose keys sit at
   * `depth`: its fields may still be there under dot-joined keys such as `"state.status"`. Those
   * keys are only looked for when the nested key is missing, which keeps the common path to one
   * read per key; an event holding both `"state"` and `"state.status"` is read through `"state"`.
   */
  readonly whenMissing: (object: JsonObject, depth: number) => boolean;
  /** `joinedKeys[depth]`: the node's path from `depth` on, joined with `.`. */
  readonly joinedKeys: readonly string[];
  /** The result when nothing at or below the node holds a value. */
  readonly absent: boolean;
  /** Every leaf below is only `exists: false`. */
  readonly onlyAbsence: boolean;
}

function compileNode(node: TreeNode): CompiledNode {
  // Cheap checks first: a rule usually fails on `source` or `type`, so fail before reading deeper.
  const children = [...node.children.values()].sort((a, b) => cost(a) - cost(b)).map(compileNode);
  const { leaf, segments } = node;
  const depth = segments.length - 1;
  const key = internalize(segments[depth] ?? '');
  const joinedKeys = segments.map((_, from) => internalize(segments.slice(from).join('.')));
  const leafAbsent = leaf === undefined || leaf.acceptsAbsence;
  const childrenAbsent = children.every((child) => child.absent);
  const absent = leafAbsent && childrenAbsent;
  const onlyAbsence =
    (leaf === undefined || leaf.onlyAbsence) && children.every((child) => child.onlyAbsence);

  if (children.length === 0 && leaf !== undefined) return compileLeafNode(leaf, key, joinedKeys, onlyAbsence);

  const childChecks = allOf(children.map((child) => child.inParent));
  // An object is not a leaf value, so the node's own list sees it as absence.
  const objectCheck: Check<JsonObject> = leafAbsent ? childChecks : () => false;
  const scalarCheck: Check<Scalar> = !childrenAbsent
    ? () => false
    : leaf === undefined
      ? () => true
      : leaf.test;
  const elementCheck: Check<unknown> = (element) => {
    if (typeof element === 'object' && element !== null) return objectCheck(element as JsonObject);
    return isScalar(element) ? scalarCheck(element) : absent;
  };
  // Within a list of objects one element must satisfy the whole node. A node that only asks for
  // absence holds only when no element contradicts it.
  const contradicts: Check<unknown> = (element) => !elementCheck(element);
  const arrayCheck: Check<unknown[]> = onlyAbsence
    ? (array) => !someElement(array, contradicts)
    : absent
      ? (array) => someElement(array, elementCheck) || !someElement(array, isAnything)
      : (array) => someElement(array, elementCheck);
  const valueCheck: Check<unknown> = (value) => {
    if (typeof value === 'object' && value !== null) {
      return Array.isArray(value) ? arrayCheck(value) : objectCheck(value as JsonObject);
    }
    return isScalar(value) ? scalarCheck(value) : absent;
  };
  const whenMissing = (object: JsonObject, from: number): boolean => {
    if (!leafAbsent) return false;
    for (const child of children) {
      const value = object[child.joinedKeys[from]!];
      if (value === undefined ? !child.whenMissing(object, from) : !child.valueCheck(value)) return false;
    }
    return true;
  };
  return {
    objectCheck,
    valueCheck,
    inParent: (object) => {
      const value = object[key];
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        return objectCheck(value as JsonObject);
      return value === undefined ? whenMissing(object, depth) : valueCheck(value);
    },
    whenMissing,
    joinedKeys,
    absent,
    onlyAbsence,
  };
}

/**
 * A field with a list and no nested fields: the hot path. The most common list, one literal, is
 * compared inline instead of through `test`.
 */
function compileLeafNode(
  leaf: LeafTest,
  key: string,
  joinedKeys: readonly string[],
  onlyAbsence: boolean,
): CompiledNode {
  const { test, acceptsAbsence, only } = leaf;
  const arrayCheck = leafArrayCheck(leaf);
  const valueCheck: Check<unknown> = (value) => {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        return test(value);
      case 'object':
        return value === null ? test(null) : Array.isArray(value) ? arrayCheck(value) : acceptsAbsence;
      default:
        return acceptsAbsence;
    }
  };
  const expected = only?.value;
  // `only` is set when absence is not accepted, so anything but the literal or a list fails.
  const inParent: Check<JsonObject> =
    only === undefined
      ? (object) => valueCheck(object[key])
      : (object) => {
          const value = object[key];
          return value === expected || (Array.isArray(value) && arrayCheck(value));
        };
  return {
    objectCheck: () => acceptsAbsence,
    valueCheck,
    inParent,
    whenMissing: () => acceptsAbsence,
    joinedKeys,
    absent: acceptsAbsence,
    onlyAbsence,
  };
}

/** A leaf against a list: some element matches, or the list holds no leaf value and absence is allowed. */
function leafArrayCheck({ test, acceptsAbsence }: LeafTest): Check<unknown[]> {
  const someScalar = (array: unknown[]): boolean => {
    for (let index = 0; index < array.length; index++) {
      const element = array[index];
      if (Array.isArray(element) ? someScalar(element) : isScalar(element) && test(element)) return true;
    }
    return false;
  };
  if (!acceptsAbsence) return someScalar;
  return (array) => someScalar(array) || !someElement(array, isScalar);
}

/** Whether `check` holds for some element of `array`, looking inside nested lists. */
function someElement(array: unknown[], check: Check<unknown>): boolean {
  for (let index = 0; index < array.length; index++) {
    const element = array[index];
    if (Array.isArray(element) ? someElement(element, check) : check(element)) return true;
  }
  return false;
}

/** Rough cost of checking a node: a one-literal field, other fields, then nested objects. */
function cost(node: TreeNode): number {
  if (node.children.size > 0) return 2;
  return node.leaf?.only === undefined ? 1 : 0;
}

function isAnything(): boolean {
  return true;
}

function isScalar(value: unknown): value is Scalar {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || value === null;
}

function allOf<T>(checks: Check<T>[]): Check<T> {
  const [first, second] = checks;
  if (first === undefined) return () => true;
  if (second === undefined) return first;
  if (checks.length === 2) return (value) => first(value) && second(value);
  return (value) => {
    for (let index = 0; index < checks.length; index++) if (!checks[index]!(value)) return false;
    return true;
  };
}

function anyOf<T>(checks: Check<T>[]): Check<T> {
  const [first, second] = checks;
  if (first === undefined) return () => false;
  if (second === undefined) return first;
  return (value) => {
    for (let index = 0; index < checks.length; index++) if (checks[index]!(value)) return true;
    return false;
  };
}
