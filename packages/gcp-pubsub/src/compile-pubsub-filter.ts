/**
 * Compiles an EventBridge pattern into a Pub/Sub subscription filter that selects a superset of the
 * matching events. Pub/Sub filters see only message attributes, with `=`, `!=`, `:` (has key),
 * `hasPrefix`, `AND`, `OR` and `NOT`, and at most 256 bytes, so anything else (fields of `data`,
 * numeric ranges, suffix, wildcard, case folding, cidr, null) is left out of the filter: the
 * transport runs the exact matcher on every event the filter lets through.
 *
 * Soundness rule: every step may only widen. A condition that cannot be expressed becomes "true",
 * which drops it from an AND and turns an OR containing it into "true".
 */

/** Maps a pattern path to the message attribute carrying it, or undefined when none does. */
export type AttributeForPath = (path: readonly string[]) => string | undefined;

/** Where the envelope's JSON view lives in Omnibus's Pub/Sub attributes. */
export const omnibusAttributeForPath: AttributeForPath = (path) => {
  if (path.length === 1) {
    switch (path[0]) {
      case 'id':
        return 'ce-id';
      case 'type':
        return 'ce-type';
      case 'source':
        return 'ce-source';
      case 'subject':
        return 'ce-subject';
      case 'time':
        return 'ce-time';
      default:
        return undefined;
    }
  }
  if (path.length === 2 && path[0] === 'headers' && !path[1]!.startsWith('ce-')) return path[1];
  return undefined;
};

/** Pub/Sub's limit on a filter's length, in bytes. */
export const MAX_FILTER_BYTES = 256;

type Expression =
  | { readonly kind: 'true' }
  | { readonly kind: 'term'; readonly text: string; readonly compound: boolean };
const TRUE: Expression = { kind: 'true' };

/**
 * The filter for `pattern`, or `undefined` when no useful filter fits (then the subscription gets
 * every event and the exact check does all the work).
 */
export function compilePubSubFilter(
  pattern: Readonly<Record<string, unknown>>,
  attributeFor: AttributeForPath = omnibusAttributeForPath,
): string | undefined {
  const expression = compileObject(pattern, [], attributeFor);
  if (expression.kind === 'true') return undefined;
  return Buffer.byteLength(expression.text, 'utf8') <= MAX_FILTER_BYTES ? expression.text : undefined;
}

function compileObject(
  pattern: Readonly<Record<string, unknown>>,
  path: readonly string[],
  attributeFor: AttributeForPath,
): Expression {
  const parts: Expression[] = [];
  for (const [field, value] of Object.entries(pattern)) {
    if (field === '$or') {
      parts.push(
        Array.isArray(value)
          ? or(value.map((branch) => (isObject(branch) ? compileObject(branch, path, attributeFor) : TRUE)))
          : TRUE,
      );
    } else if (isObject(value)) {
      parts.push(compileObject(value, [...path, field], attributeFor));
    } else if (Array.isArray(value)) {
      const attribute = attributeFor([...path, field]);
      parts.push(
        attribute === undefined ? TRUE : or(value.map((matcher) => compileMatcher(attribute, matcher))),
      );
    }
  }
  return and(parts);
}

function compileMatcher(attribute: string, matcher: unknown): Expression {
  const key = attributeReference(attribute);
  if (typeof matcher === 'string') return term(`${key} = ${literal(matcher)}`);
  if (!isObject(matcher)) return TRUE; // numbers, booleans and null never equal a string attribute exactly as EventBridge compares them
  const entries = Object.entries(matcher);
  if (entries.length !== 1) return TRUE;
  const [operator, operand] = entries[0]!;
  switch (operator) {
    case 'prefix':
      return typeof operand === 'string' ? term(`hasPrefix(${key}, ${literal(operand)})`) : TRUE;
    case 'exists':
      if (operand === true) return term(`attributes:${keyName(attribute)}`);
      if (operand === false) return term(`NOT attributes:${keyName(attribute)}`);
      return TRUE;
    case 'anything-but': {
      if (typeof operand === 'string') return term(`${key} != ${literal(operand)}`);
      if (Array.isArray(operand) && operand.length > 0 && operand.every((item) => typeof item === 'string')) {
        return and(operand.map((item) => term(`${key} != ${literal(item as string)}`)));
      }
      if (isObject(operand) && typeof operand.prefix === 'string' && Object.keys(operand).length === 1) {
        return term(`NOT hasPrefix(${key}, ${literal(operand.prefix)})`);
      }
      return TRUE;
    }
    default:
      return TRUE;
  }
}

function and(parts: readonly Expression[]): Expression {
  const terms = parts.filter((part): part is Extract<Expression, { kind: 'term' }> => part.kind === 'term');
  if (terms.length === 0) return TRUE;
  if (terms.length === 1) return terms[0]!;
  return { kind: 'term', text: terms.map(group).join(' AND '), compound: true };
}

function or(parts: readonly Expression[]): Expression {
  if (parts.length === 0 || parts.some((part) => part.kind === 'true')) return TRUE;
  const terms = parts as readonly Extract<Expression, { kind: 'term' }>[];
  if (terms.length === 1) return terms[0]!;
  return { kind: 'term', text: terms.map(group).join(' OR '), compound: true };
}

function group(expression: Extract<Expression, { kind: 'term' }>): string {
  return expression.compound ? `(${expression.text})` : expression.text;
}

function term(text: string): Expression {
  return { kind: 'term', text, compound: false };
}

/** `attributes.ce-type`, or `attributes."x.y"` for keys beyond letters, digits, `-` and `_`. */
function attributeReference(attribute: string): string {
  return `attributes.${keyName(attribute)}`;
}

function keyName(attribute: string): string {
  return /^[A-Za-z0-9_-]+$/.test(attribute) ? attribute : literal(attribute);
}

/** A double-quoted filter string literal; backslash, quote and control characters escaped. */
function literal(value: string): string {
  let escaped = '';
  for (const character of value) {
    const code = character.charCodeAt(0);
    if (character === '\\' || character === '"') escaped += `\\${character}`;
    else if (code < 0x20 || code === 0x7f) escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    else escaped += character;
  }
  return `"${escaped}"`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
