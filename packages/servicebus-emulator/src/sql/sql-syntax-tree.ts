import type { FilterValue } from '../message-property-view.js';

/** A property reference: `sys.Label`, `user.color` or plain `color` (user scope by default). */
export interface PropertyReference {
  kind: 'property';
  scope: 'sys' | 'user';
  name: string;
}

/** Arithmetic operators. */
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';
/** Comparison operators (`!=` is read as `<>`). */
export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/**
 * The syntax tree of Service Bus SQL. Predicates and expressions share one type because the
 * grammar lets a comparison's operands be arbitrary expressions and evaluation is three-valued.
 */
export type SqlNode =
  | { kind: 'literal'; value: FilterValue }
  | PropertyReference
  | { kind: 'newid' }
  | { kind: 'propertyByName'; name: SqlNode }
  | { kind: 'negate'; operand: SqlNode }
  | { kind: 'not'; operand: SqlNode }
  | { kind: 'arithmetic'; operator: ArithmeticOperator; left: SqlNode; right: SqlNode }
  | { kind: 'comparison'; operator: ComparisonOperator; left: SqlNode; right: SqlNode }
  | { kind: 'and' | 'or'; left: SqlNode; right: SqlNode }
  | { kind: 'in'; operand: SqlNode; list: SqlNode[]; negated: boolean }
  | { kind: 'like'; operand: SqlNode; pattern: SqlNode; escape: SqlNode | undefined; negated: boolean }
  | { kind: 'isNull'; operand: SqlNode; negated: boolean }
  | { kind: 'exists'; property: PropertyReference };

/** One statement of a SQL rule action. */
export type SqlActionStatement =
  | { kind: 'set'; property: PropertyReference; value: SqlNode }
  | { kind: 'remove'; property: PropertyReference };
