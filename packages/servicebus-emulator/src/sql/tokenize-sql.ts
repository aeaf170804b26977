/** A lexical token of Service Bus SQL. */
export type SqlToken =
  | { kind: 'number'; text: string; position: number }
  | { kind: 'string'; value: string; position: number }
  | { kind: 'identifier'; value: string; delimited: boolean; position: number }
  | { kind: 'symbol'; value: string; position: number }
  | { kind: 'end'; position: number };

const symbols = ['<>', '!=', '>=', '<=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';'];

/** Raised for malformed filter or action text; add-rule turns it into `argument-error`. */
export class SqlSyntaxError extends Error {
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'SqlSyntaxError';
  }
}

const isLetter = (char: string) => /\p{L}/u.test(char);
const isIdentifierPart = (char: string) => /[\p{L}\p{Nd}_]/u.test(char);

/** Reads a quoted run where a doubled closing character stands for itself (`'it''s'`, `[a]]b]`). */
function readQuoted(text: string, start: number, close: string): [string, number] {
  let value = '';
  let index = start + 1;
  for (;;) {
    if (index >= text.length) throw new SqlSyntaxError(`Unterminated ${text[start]}`, start);
    const char = text[index]!;
    if (char === close) {
      if (text[index + 1] === close) {
        value += close;
        index += 2;
        continue;
      }
      return [value, index + 1];
    }
    value += char;
    index++;
  }
}

/** Splits SQL filter or action text into tokens. */
export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const position = index;
    if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(text[index + 1] ?? ''))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(index))!;
      tokens.push({ kind: 'number', text: match[0], position });
      index += match[0].length;
      continue;
    }
    if (char === "'") {
      const [value, next] = readQuoted(text, index, "'");
      tokens.push({ kind: 'string', value, position });
      index = next;
      continue;
    }
    if (char === '[' || char === '"') {
      const [value, next] = readQuoted(text, index, char === '[' ? ']' : '"');
      tokens.push({ kind: 'identifier', value, delimited: true, position });
      index = next;
      continue;
    }
    if (isLetter(char)) {
      let end = index + 1;
      while (end < text.length && isIdentifierPart(text[end]!)) end++;
      tokens.push({ kind: 'identifier', value: text.slice(index, end), delimited: false, position });
      index = end;
      continue;
    }
    const symbol = symbols.find((candidate) => text.startsWith(candidate, index));
    if (!symbol) throw new SqlSyntaxError(`Unexpected character '${char}'`, index);
    tokens.push({ kind: 'symbol', value: symbol === '!=' ? '<>' : symbol, position });
    index += symbol.length;
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}
