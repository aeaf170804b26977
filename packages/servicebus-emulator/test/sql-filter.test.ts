import { describe, expect, it } from 'vitest';
import { amqpMessageCodec } from '../src/amqp-codec.js';
import { parseMessageContent } from '../src/message-content.js';
import { applicationPropertyEntries } from '../src/message-content.js';
import { createMessagePropertyView } from '../src/message-property-view.js';
import { compileSqlFilter } from '../src/sql/compile-sql-filter.js';
import { compileSqlRuleAction } from '../src/sql/compile-sql-rule-action.js';
import { parseSqlFilter } from '../src/sql/parse-sql.js';
import { plainValue } from '../src/amqp-codec.js';

/** Builds message content the way a sender's bytes would arrive. */
function contentOf(message: Record<string, unknown>) {
  return parseMessageContent(amqpMessageCodec.encode({ body: 'x', ...message }));
}

function matches(expression: string, message: Record<string, unknown>) {
  return compileSqlFilter(expression)(createMessagePropertyView(contentOf(message)));
}

describe("SQL filters (examples from Microsoft's SQL filter syntax page)", () => {
  it('matches a system property with LIKE', () => {
    expect(matches("sys.Label LIKE '%bus%'", { subject: 'service bus rocks' })).toBe(true);
    expect(matches("sys.Label LIKE '%bus%'", { subject: 'queue' })).toBe(false);
  });

  it('combines LIKE and IN with OR', () => {
    const filter = "sys.Label LIKE '%bus%' OR user.tag IN ('queue', 'topic', 'subscription')";
    expect(matches(filter, { subject: 'x', application_properties: { tag: 'topic' } })).toBe(true);
    expect(matches(filter, { subject: 'x', application_properties: { tag: 'relay' } })).toBe(false);
  });

  it('evaluates IN and NOT IN', () => {
    expect(
      matches("StoreId IN('Store1', 'Store2', 'Store3')", { application_properties: { StoreId: 'Store2' } }),
    ).toBe(true);
    const filter = "sys.To IN ('Store5','Store6','Store7') OR StoreId = 'Store8'";
    expect(matches(filter, { to: 'Store6' })).toBe(true);
    expect(matches(filter, { to: 'Store1', application_properties: { StoreId: 'Store8' } })).toBe(true);
    expect(matches(filter, { to: 'Store1', application_properties: { StoreId: 'Store1' } })).toBe(false);
    const notIn = "sys.To NOT IN ('Store1','Store2') OR StoreId NOT IN ('Store1','Store2')";
    expect(matches(notIn, { to: 'Store1', application_properties: { StoreId: 'Store9' } })).toBe(true);
    expect(matches(notIn, { to: 'Store1', application_properties: { StoreId: 'Store2' } })).toBe(false);
  });

  it('treats a missing user property as unknown, with the documented AND/OR tables', () => {
    expect(matches('missing = 1', {})).toBe(false);
    expect(matches('NOT (missing = 1)', {})).toBe(false);
    expect(matches('missing = 1 OR 1 = 1', {})).toBe(true);
    expect(matches('missing = 1 AND 1 = 0', {})).toBe(false);
    expect(matches('NOT (missing = 1 AND 1 = 0)', {})).toBe(true);
    expect(matches('NOT (missing = 1 AND 1 = 1)', {})).toBe(false);
    expect(matches("missing LIKE 'a%'", {})).toBe(false);
    expect(matches("missing NOT LIKE 'a%'", {})).toBe(false);
    expect(matches("missing NOT IN ('a')", {})).toBe(false);
  });

  it('implements IS [NOT] NULL and EXISTS', () => {
    expect(matches('color IS NULL', {})).toBe(true);
    expect(matches('color IS NULL', { application_properties: { color: null } })).toBe(true);
    expect(matches('color IS NOT NULL', { application_properties: { color: 'red' } })).toBe(true);
    expect(matches('EXISTS(color)', { application_properties: { color: null } })).toBe(true);
    expect(matches('EXISTS(color)', {})).toBe(false);
    expect(matches('EXISTS(sys.CorrelationId)', { correlation_id: 'c' })).toBe(true);
    expect(matches('sys.CorrelationId IS NULL', {})).toBe(true);
  });

  it('honours LIKE wildcards and ESCAPE', () => {
    expect(matches("code LIKE 'ABC\\%' ESCAPE '\\'", { application_properties: { code: 'ABC%' } })).toBe(
      true,
    );
    expect(matches("code LIKE 'ABC\\%' ESCAPE '\\'", { application_properties: { code: 'ABCD' } })).toBe(
      false,
    );
    expect(matches("code LIKE 'A_C'", { application_properties: { code: 'ABC' } })).toBe(true);
    expect(matches("code LIKE 'A_C'", { application_properties: { code: 'ABBC' } })).toBe(false);
    expect(matches("code NOT LIKE 'x%'", { application_properties: { code: 'ABC' } })).toBe(true);
  });

  it('does arithmetic with long/double promotion', () => {
    expect(matches('quantity * 2 = 10', { application_properties: { quantity: 5 } })).toBe(true);
    expect(matches('7 / 2 = 3', {})).toBe(true);
    expect(matches('7.0 / 2 = 3.5', {})).toBe(true);
    expect(matches('7 % 4 = 3', {})).toBe(true);
    expect(matches('-price < -1.5', { application_properties: { price: 2.25 } })).toBe(true);
    expect(matches('101.5E5 > 1000000', {})).toBe(true);
    expect(matches('a + 1 > 2', { application_properties: { a: 1.5 } })).toBe(true);
  });

  it('compares across numeric types but not across unrelated types', () => {
    expect(matches('count = 3.0', { application_properties: { count: 3 } })).toBe(true);
    expect(matches("count = '3'", { application_properties: { count: 3 } })).toBe(false);
    expect(matches("count <> '3'", { application_properties: { count: 3 } })).toBe(false);
    expect(matches('flag = TRUE', { application_properties: { flag: true } })).toBe(true);
  });

  it('reads names case-insensitively, with quoted and delimited identifiers', () => {
    expect(matches("COLOR = 'red'", { application_properties: { color: 'red' } })).toBe(true);
    expect(
      matches("[Property With Space] = 'x'", { application_properties: { 'Property With Space': 'x' } }),
    ).toBe(true);
    expect(matches('"HR-EmployeeID" = \'x\'', { application_properties: { 'HR-EmployeeID': 'x' } })).toBe(
      true,
    );
    expect(
      matches("user.color = 'red' and SYS.label = 'l'", {
        subject: 'l',
        application_properties: { color: 'red' },
      }),
    ).toBe(true);
    expect(matches("property('co' + 'lor') = 'red'", { application_properties: { color: 'red' } })).toBe(
      true,
    );
    expect(matches("name = 'it''s'", { application_properties: { name: "it's" } })).toBe(true);
  });

  it('rejects malformed expressions and unknown system properties', () => {
    expect(() => parseSqlFilter('a =')).toThrow();
    expect(() => parseSqlFilter("a = 'unterminated")).toThrow();
    expect(() => compileSqlFilter('sys.NoSuchProperty = 1')).toThrow(/NoSuchProperty/);
    expect(() => parseSqlFilter('a NOT BETWEEN 1')).toThrow();
  });
});

describe('SQL rule actions', () => {
  const properties = (content: ReturnType<typeof contentOf>) =>
    Object.fromEntries(
      applicationPropertyEntries(content).map(([key, value]) => [key.value, plainValue(value)]),
    );

  it('sets, computes and removes user properties (the documented SET source example)', () => {
    const action = compileSqlRuleAction(
      "SET source = 'routedOrders'; SET total = quantity * 2; REMOVE secret",
    );
    const result = action(
      contentOf({ application_properties: { source: 'orders', quantity: 4, secret: 's' } }),
    );
    expect(properties(result)).toEqual({ source: 'routedOrders', quantity: 4, total: 8 });
  });

  it('sets a system property', () => {
    const result = compileSqlRuleAction("SET sys.Label = 'relabelled'")(contentOf({ subject: 'old' }));
    expect(result.properties.subject).toBe('relabelled');
  });

  it('rejects actions on read-only system properties', () => {
    expect(() => compileSqlRuleAction('SET sys.SequenceNumber = 1')).toThrow();
  });
});
