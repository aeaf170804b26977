import { type AmqpTyped, amqpTypes } from '../amqp-codec.js';
import { editContent, type MessageContent } from '../message-content.js';
import {
  createMessagePropertyView,
  type FilterValue,
  type MessagePropertyView,
  writableSystemProperties,
} from '../message-property-view.js';
import { assertKnownSystemProperties } from './compile-sql-filter.js';
import { evaluateSql } from './evaluate-sql.js';
import { parseSqlRuleAction } from './parse-sql.js';
import { SqlSyntaxError } from './tokenize-sql.js';

/** Encodes a SQL value as the AMQP type Service Bus would store (`long`, `double`, …). */
function toAmqp(value: FilterValue | undefined): AmqpTyped {
  if (value === undefined || value === null) return amqpTypes.Null();
  if (typeof value === 'bigint') return amqpTypes.wrap_long(Number(value));
  if (typeof value === 'number') return amqpTypes.wrap_double(value);
  return amqpTypes.wrap(value);
}

/**
 * Compiles a SQL rule action. Statements run in order and later ones see earlier changes, so
 * `SET a = 1; SET b = a + 1` sets `b` to 2.
 */
export function compileSqlRuleAction(expression: string): (content: MessageContent) => MessageContent {
  const statements = parseSqlRuleAction(expression);
  assertKnownSystemProperties(statements);
  for (const statement of statements) {
    if (
      statement.property.scope === 'sys' &&
      !writableSystemProperties[statement.property.name.toLowerCase()]
    ) {
      throw new SqlSyntaxError(`System property 'sys.${statement.property.name}' cannot be modified`, 0);
    }
  }
  return (content) => {
    const base = createMessagePropertyView(content);
    const userChanges = new Map<string, { name: string; value: FilterValue | undefined }>();
    const systemChanges: Record<string, unknown> = {};
    const view: MessagePropertyView = {
      system: (name) => {
        const field = writableSystemProperties[name.toLowerCase()];
        return field && field in systemChanges ? (systemChanges[field] as FilterValue) : base.system(name);
      },
      user: (name) => {
        const change = userChanges.get(name.toLowerCase());
        return change ? change.value : base.user(name);
      },
      userPropertyName: (name) => userChanges.get(name.toLowerCase())?.name ?? base.userPropertyName(name),
    };
    for (const statement of statements) {
      const { property } = statement;
      if (property.scope === 'sys') {
        const field = writableSystemProperties[property.name.toLowerCase()]!;
        const value = statement.kind === 'set' ? evaluateSql(statement.value, view) : undefined;
        systemChanges[field] = value === undefined || value === null ? undefined : String(value);
        continue;
      }
      const name = view.userPropertyName(property.name) ?? property.name;
      const value = statement.kind === 'set' ? (evaluateSql(statement.value, view) ?? null) : undefined;
      userChanges.set(property.name.toLowerCase(), { name, value });
    }
    const applicationProperties = new Map<string, AmqpTyped | undefined>();
    for (const change of userChanges.values()) {
      const stored = base.userPropertyName(change.name);
      if (stored !== undefined && stored !== change.name) applicationProperties.set(stored, undefined);
      applicationProperties.set(change.name, change.value === undefined ? undefined : toAmqp(change.value));
    }
    return editContent(content, {
      applicationProperties,
      properties: Object.keys(systemChanges).length > 0 ? systemChanges : undefined,
    });
  };
}
