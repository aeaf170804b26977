/**
 * The `wildcard` operator's text: `*` matches any run of characters (including none), `\*` is a
 * literal asterisk and `\\` a literal backslash. Nothing else is special (`?` is an ordinary
 * character), and the whole string must match.
 */

/** A parsed wildcard: the literal pieces between its `*`s (one more piece than there are stars). */
export interface Wildcard {
  readonly text: string;
  readonly pieces: readonly string[];
}

/** Parses wildcard text; returns the reason when EventBridge would reject it. */
export function parseWildcard(text: string): Wildcard | string {
  const pieces: string[] = [];
  let piece = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '*') {
      if (text[index + 1] === '*') {
        return `"**" at position ${index} is not allowed: a single "*" already matches any run of characters`;
      }
      pieces.push(piece);
      piece = '';
    } else if (char === '\\') {
      const next = text[index + 1];
      if (next !== '*' && next !== '\\') {
        return `"\\" at position ${index} must be followed by "*" or "\\" (write "\\*" for a literal asterisk, "\\\\" for a backslash)`;
      }
      piece += next;
      index++;
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return { text, pieces };
}

/** True when the whole of `value` matches the wildcard. Does not allocate. */
export function matchesWildcard(wildcard: Wildcard, value: string): boolean {
  const pieces = wildcard.pieces;
  const last = pieces.length - 1;
  const first = pieces[0]!;
  if (last === 0) return value === first;
  const final = pieces[last]!;
  if (value.length < first.length + final.length || !value.startsWith(first) || !value.endsWith(final))
    return false;
  // Taking each middle piece at its leftmost place leaves the most room for the rest, so a greedy
  // scan is exact for patterns whose only metacharacter is `*`.
  let position = first.length;
  const end = value.length - final.length;
  for (let index = 1; index < last; index++) {
    const middle = pieces[index]!;
    const found = value.indexOf(middle, position);
    if (found === -1 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}
