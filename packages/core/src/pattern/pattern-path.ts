/**
 * Paths name a place inside a pattern in `InvalidPatternError`, e.g. `data.amount[0].numeric`.
 * Keys that would read ambiguously after a dot (dots, spaces, brackets, quotes) are written as
 * `["a.b"]` so the path can be followed back by hand.
 */

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/** The path of field `key` inside the object at `parent` (`''` is the root). */
export function keyPath(parent: string, key: string): string {
  if (plainKey.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** The path of element `index` of the list at `parent`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
