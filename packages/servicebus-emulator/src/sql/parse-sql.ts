import type {
  ComparisonOperator,
  PropertyReference,
  SqlActionStatement,
  SqlNode,
} from './sql-syntax-tree.js';
import { SqlSyntaxError, type SqlToken, tokenizeSql } from './tokenize-sql.js';

const keywords = new Set([
  'and',
  'or',
  'not',
  'in',
  'like',
  'escape',
  'is',
  'null',
  'exists',
  'true',
  'false',
  'set',
  'remove',
]);
const comparisonOperators = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const maxLong = 9223372036854775807n;

/** Parses a SQL filter expression (the text of a `SqlRuleFilter`). */
export function parseSqlFilter(text: string): SqlNode {
  const parser = createParser(tokenizeSql(text));
  const tree = parser.orExpression();
  parser.expectEnd();
  return tree;
}

/** Parses a SQL rule action: `SET` and `REMOVE` statements, separated by `;` or `,`. */
export function parseSqlRuleAction(text: string): SqlActionStatement[] {
  const parser = createParser(tokenizeSql(text));
  const statements: SqlActionStatement[] = [];
  while (!parser.atEnd()) {
    if (parser.acceptKeyword('set')) {
      const property = parser.property();
      parser.expectSymbol('=');
      statements.push({ kind: 'set', property, value: parser.orExpression() });
    } else if (parser.acceptKeyword('remove')) {
      statements.push({ kind: 'remove', property: parser.property() });
    } else {
      parser.fail('Expected SET or REMOVE');
    }
    while (parser.acceptSymbol(';') || parser.acceptSymbol(',')) {
      // Separators are optional and may repeat.
    }
  }
  if (statements.length === 0) throw new SqlSyntaxError('Empty rule action', 0);
  return statements;
}

function createParser(tokens: SqlToken[]) {
  let index = 0;
  const peek = () => tokens[index]!;
  const advance = () => tokens[index++]!;

  const isKeyword = (token: SqlToken, word: string) =>
    token.kind === 'identifier' && !token.delimited && token.value.toLowerCase() === word;
  const isSymbol = (token: SqlToken, symbol: string) => token.kind === 'symbol' && token.value === symbol;

  const parser = {
    atEnd: () => peek().kind === 'end',
    fail(message: string): never {
      throw new SqlSyntaxError(message, peek().position);
    },
    acceptKeyword(word: string): boolean {
      if (!isKeyword(peek(), word)) return false;
      index++;
      return true;
    },
    acceptSymbol(symbol: string): boolean {
      if (!isSymbol(peek(), symbol)) return false;
      index++;
      return true;
    },
    expectSymbol(symbol: string): void {
      if (!parser.acceptSymbol(symbol)) parser.fail(`Expected '${symbol}'`);
    },
    expectEnd(): void {
      if (!parser.atEnd()) parser.fail('Unexpected text');
    },

    orExpression(): SqlNode {
      let left = parser.andExpression();
      while (parser.acceptKeyword('or')) left = { kind: 'or', left, right: parser.andExpression() };
      return left;
    },
    andExpression(): SqlNode {
      let left = parser.notExpression();
      while (parser.acceptKeyword('and')) left = { kind: 'and', left, right: parser.notExpression() };
      return left;
    },
    notExpression(): SqlNode {
      if (parser.acceptKeyword('not')) return { kind: 'not', operand: parser.notExpression() };
      return parser.predicate();
    },
    predicate(): SqlNode {
      if (parser.acceptKeyword('exists')) {
        parser.expectSymbol('(');
        const property = parser.property();
        parser.expectSymbol(')');
        return { kind: 'exists', property };
      }
      const left = parser.additive();
      const token = peek();
      if (token.kind === 'symbol' && comparisonOperators.has(token.value)) {
        index++;
        return {
          kind: 'comparison',
          operator: token.value as ComparisonOperator,
          left,
          right: parser.additive(),
        };
      }
      if (parser.acceptKeyword('is')) {
        const negated = parser.acceptKeyword('not');
        if (!parser.acceptKeyword('null')) parser.fail('Expected NULL');
        return { kind: 'isNull', operand: left, negated };
      }
      const negated = parser.acceptKeyword('not');
      if (parser.acceptKeyword('in')) {
        parser.expectSymbol('(');
        const list = [parser.additive()];
        while (parser.acceptSymbol(',')) list.push(parser.additive());
        parser.expectSymbol(')');
        return { kind: 'in', operand: left, list, negated };
      }
      if (parser.acceptKeyword('like')) {
        const pattern = parser.additive();
        const escapeCharacter = parser.acceptKeyword('escape') ? parser.additive() : undefined;
        return { kind: 'like', operand: left, pattern, escape: escapeCharacter, negated };
      }
      if (negated) parser.fail('Expected IN or LIKE after NOT');
      return left;
    },
    additive(): SqlNode {
      let left = parser.multiplicative();
      for (;;) {
        const token = peek();
        if (!isSymbol(token, '+') && !isSymbol(token, '-')) return left;
        index++;
        left = {
          kind: 'arithmetic',
          operator: (token as { value: '+' | '-' }).value,
          left,
          right: parser.multiplicative(),
        };
      }
    },
    multiplicative(): SqlNode {
      let left = parser.unary();
      for (;;) {
        const token = peek();
        if (!isSymbol(token, '*') && !isSymbol(token, '/') && !isSymbol(token, '%')) return left;
        index++;
        left = {
          kind: 'arithmetic',
          operator: (token as { value: '*' | '/' | '%' }).value,
          left,
          right: parser.unary(),
        };
      }
    },
    unary(): SqlNode {
      if (parser.acceptSymbol('-')) return { kind: 'negate', operand: parser.unary() };
      if (parser.acceptSymbol('+')) return parser.unary();
      return parser.primary();
    },
    primary(): SqlNode {
      const token = peek();
      if (parser.acceptSymbol('(')) {
        const inner = parser.orExpression();
        parser.expectSymbol(')');
        return inner;
      }
      if (token.kind === 'number') {
        index++;
        return { kind: 'literal', value: numberLiteral(token.text, token.position) };
      }
      if (token.kind === 'string') {
        index++;
        return { kind: 'literal', value: token.value };
      }
      if (parser.acceptKeyword('true')) return { kind: 'literal', value: true };
      if (parser.acceptKeyword('false')) return { kind: 'literal', value: false };
      if (parser.acceptKeyword('null')) return { kind: 'literal', value: null };
      if (token.kind === 'identifier' && !token.delimited && isSymbol(tokens[index + 1]!, '(')) {
        return parser.functionCall();
      }
      return parser.property();
    },
    functionCall(): SqlNode {
      const name = (advance() as { value: string }).value.toLowerCase();
      parser.expectSymbol('(');
      if (name === 'newid') {
        parser.expectSymbol(')');
        return { kind: 'newid' };
      }
      if (name === 'property' || name === 'p') {
        const argument = parser.orExpression();
        parser.expectSymbol(')');
        return { kind: 'propertyByName', name: argument };
      }
      return parser.fail(`Unknown function '${name}'`);
    },
    property(): PropertyReference {
      const first = advance();
      if (first.kind !== 'identifier' || (!first.delimited && keywords.has(first.value.toLowerCase()))) {
        throw new SqlSyntaxError('Expected a property name', first.position);
      }
      const scope = first.delimited ? undefined : first.value.toLowerCase();
      if ((scope === 'sys' || scope === 'user') && parser.acceptSymbol('.')) {
        const name = advance();
        if (name.kind !== 'identifier') throw new SqlSyntaxError('Expected a property name', name.position);
        return { kind: 'property', scope, name: name.value };
      }
      return { kind: 'property', scope: 'user', name: first.value };
    },
  };
  return parser;
}

/** Integer text is a `long` (bigint); text with a point or exponent is a `double`. */
function numberLiteral(text: string, position: number): bigint | number {
  if (/^[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value > maxLong) throw new SqlSyntaxError('Integer constant out of range', position);
    return value;
  }
  return Number(text);
}
