import { isSystemProperty, type MessagePropertyView } from '../message-property-view.js';
import { evaluateSql } from './evaluate-sql.js';
import { parseSqlFilter } from './parse-sql.js';
import type { SqlNode } from './sql-syntax-tree.js';
import { SqlSyntaxError } from './tokenize-sql.js';

/** Rejects `sys.` names Service Bus does not have (it fails those when the rule is created). */
export function assertKnownSystemProperties(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const candidate = node as Partial<SqlNode> & { scope?: string; name?: unknown };
  if (candidate.kind === 'property' && candidate.scope === 'sys' && typeof candidate.name === 'string') {
    if (!isSystemProperty(candidate.name))
      throw new SqlSyntaxError(`Unknown system property 'sys.${candidate.name}'`, 0);
    return;
  }
  for (const child of Object.values(node)) {
    if (Array.isArray(child)) child.forEach(assertKnownSystemProperties);
    else if (child && typeof child === 'object') assertKnownSystemProperties(child);
  }
}

/** Compiles a SQL filter into a predicate: a message matches only when the filter is TRUE. */
export function compileSqlFilter(expression: string): (view: MessagePropertyView) => boolean {
  const tree = parseSqlFilter(expression);
  assertKnownSystemProperties(tree);
  return (view) => evaluateSql(tree, view) === true;
}
