/**
 * A short description of a value's JSON kind for error reasons ("a string", "null", "a list"…), so a
 * reason can say what was found next to what was expected.
 */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(value) ? 'a number' : `${value} (not a JSON number)`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value} (not JSON)`;
  }
}
