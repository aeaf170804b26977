import { randomUUID } from 'node:crypto';
import type { MessagePropertyView } from '../message-property-view.js';
import type { PropertyReference, SqlNode } from './sql-syntax-tree.js';
import {
  and,
  arithmetic,
  compare,
  like,
  negate,
  not,
  or,
  type SqlResult,
  truthOf,
  valuesEqual,
} from './sql-value-semantics.js';

/** Reads a property reference: a missing user property is unknown (`undefined`). */
export function readProperty(reference: PropertyReference, view: MessagePropertyView): SqlResult {
  return reference.scope === 'sys' ? view.system(reference.name) : view.user(reference.name);
}

/** Evaluates a node against one message's properties under three-valued logic. */
export function evaluateSql(node: SqlNode, view: MessagePropertyView): SqlResult {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return readProperty(node, view);
    case 'newid':
      return randomUUID();
    case 'propertyByName': {
      const name = evaluateSql(node.name, view);
      return typeof name === 'string' ? view.user(name) : undefined;
    }
    case 'negate':
      return negate(evaluateSql(node.operand, view));
    case 'not':
      return not(truthOf(evaluateSql(node.operand, view)));
    case 'arithmetic':
      return arithmetic(node.operator, evaluateSql(node.left, view), evaluateSql(node.right, view));
    case 'comparison':
      return compare(node.operator, evaluateSql(node.left, view), evaluateSql(node.right, view));
    case 'and': {
      const left = truthOf(evaluateSql(node.left, view));
      if (left === false) return false;
      return and(left, truthOf(evaluateSql(node.right, view)));
    }
    case 'or': {
      const left = truthOf(evaluateSql(node.left, view));
      if (left === true) return true;
      return or(left, truthOf(evaluateSql(node.right, view)));
    }
    case 'in': {
      const operand = evaluateSql(node.operand, view);
      if (operand === undefined || operand === null) return undefined;
      const found = node.list.some((item) => valuesEqual(operand, evaluateSql(item, view)) === true);
      return node.negated ? !found : found;
    }
    case 'like': {
      const escapeCharacter = node.escape ? evaluateSql(node.escape, view) : undefined;
      const matched = like(evaluateSql(node.operand, view), evaluateSql(node.pattern, view), escapeCharacter);
      return node.negated ? not(matched) : matched;
    }
    case 'isNull': {
      const value = evaluateSql(node.operand, view);
      const isNull = value === undefined || value === null;
      return node.negated ? !isNull : isNull;
    }
    case 'exists': {
      const value = readProperty(node.property, view);
      return node.property.scope === 'sys' ? value !== null && value !== undefined : value !== undefined;
    }
  }
}
