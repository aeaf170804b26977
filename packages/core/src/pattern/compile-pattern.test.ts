import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import { compilePattern } from './compile-pattern.js';
import type { EventPattern } from './event-pattern.js';

/** Which of `values` (each put under key `v`) the pattern `{ v: list }` matches. */
function matching(list: EventPattern[string], values: unknown[]): unknown[] {
  const compiled = compilePattern({ v: list });
  return values.filter((value) => compiled({ v: value }));
}

describe('compilePattern', () => {
  it('throws InvalidPatternError for an invalid pattern', () => {
    expect(() => compilePattern({ a: [] })).toThrow(InvalidPatternError);
  });

  it('matches nothing but JSON objects', () => {
    const compiled = compilePattern({ a: [{ exists: false }] });
    expect(compiled({})).toBe(true);
    for (const event of [null, undefined, 'a', 1, [], [{}]]) expect(compiled(event)).toBe(false);
  });

  describe('literals', () => {
    it('compare by type and value', () => {
      expect(matching(['5', 5, true, null], ['5', 5, 5.0, true, 'true', null, 'null', false, '', 0])).toEqual(
        ['5', 5, 5.0, true, null],
      );
    });

    it('are case-sensitive and exact', () => {
      expect(matching(['aws.ec2'], ['aws.ec2', 'AWS.EC2', 'aws.ec2 ', 'aws'])).toEqual(['aws.ec2']);
    });

    it('match when any element of an event list matches, looking into nested lists', () => {
      expect(matching(['b'], [['a', 'b'], [['a'], ['b']], ['a'], [], [{ b: 'b' }]])).toEqual([
        ['a', 'b'],
        [['a'], ['b']],
      ]);
    });

    it('compare IP addresses as addresses', () => {
      expect(matching(['2001:db8::1'], ['2001:0db8:0:0:0:0:0:1', '2001:db8::1', '2001:db8::2'])).toEqual([
        '2001:0db8:0:0:0:0:0:1',
        '2001:db8::1',
      ]);
      expect(matching(['10.0.0.1'], ['10.0.0.1', '::ffff:a00:1', '10.0.0.10'])).toEqual([
        '10.0.0.1',
        '::ffff:a00:1',
      ]);
    });
  });

  describe('prefix and suffix', () => {
    it('apply to strings only', () => {
      expect(matching([{ prefix: '5' }], ['5', '55', 5, 55, null])).toEqual(['5', '55']);
      expect(matching([{ suffix: '.png' }], ['a.png', '.png', 'a.PNG', 'png'])).toEqual(['a.png', '.png']);
    });

    it('with an empty operand match any string', () => {
      expect(matching([{ prefix: '' }], ['', 'x', 1])).toEqual(['', 'x']);
      expect(matching([{ suffix: '' }], ['', 'x', true])).toEqual(['', 'x']);
    });

    it('can ignore case', () => {
      expect(
        matching(
          [{ prefix: { 'equals-ignore-case': 'EventB' } }],
          ['eventbridge', 'EVENTB', 'xEventB', 'Event'],
        ),
      ).toEqual(['eventbridge', 'EVENTB']);
      expect(
        matching([{ suffix: { 'equals-ignore-case': '.png' } }], ['a.PNG', 'a.Png', 'a.jpg', 'PNG']),
      ).toEqual(['a.PNG', 'a.Png']);
    });

    it('compare the quoted JSON form when the operand holds a quote, as Event Ruler does', () => {
      expect(matching([{ prefix: 'a"' }], ['a', 'a"b', 'ab'])).toEqual(['a', 'a"b']);
      expect(matching([{ suffix: '"z' }], ['z', 'y"z', 'yz'])).toEqual(['z', 'y"z']);
    });
  });

  describe('equals-ignore-case', () => {
    it('folds letters and leaves the rest alone', () => {
      expect(
        matching(
          [{ 'equals-ignore-case': '1#$^sS我ŐaBc' }],
          ['1#$^Ss我ŐAbC', '1#$^ss我őabc', '1#$^ss我ŐabcX'],
        ),
      ).toEqual(['1#$^Ss我ŐAbC', '1#$^ss我őabc']);
    });

    it('applies to strings only, and an empty operand matches the empty string', () => {
      expect(matching([{ 'equals-ignore-case': '' }], ['', ' ', null])).toEqual(['']);
      expect(matching([{ 'equals-ignore-case': 'true' }], [true, 'TRUE'])).toEqual(['TRUE']);
    });
  });

  describe('wildcard', () => {
    it('matches any run of characters at each star', () => {
      expect(
        matching(
          [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }],
          ['arn:aws:events:us-east-1:1:event-bus/b', 'arn:aws:events:us-east-2:1:event-bus/b'],
        ),
      ).toEqual(['arn:aws:events:us-east-1:1:event-bus/b']);
      expect(matching([{ wildcard: '12*4*' }], ['12345', '124', '1234', '1235'])).toEqual([
        '12345',
        '124',
        '1234',
      ]);
      expect(matching([{ wildcard: '*' }], ['', 'x', 1])).toEqual(['', 'x']);
    });

    it('treats escapes and other characters literally', () => {
      expect(matching([{ wildcard: 'hel\\*o' }], ['hel*o', 'hello'])).toEqual(['hel*o']);
      expect(matching([{ wildcard: 'a\\\\b' }], ['a\\b', 'ab'])).toEqual(['a\\b']);
      expect(matching([{ wildcard: 'a?c' }], ['abc', 'a?c'])).toEqual(['a?c']);
      expect(matching([{ wildcard: '' }], ['', 'x'])).toEqual(['']);
    });

    it('does not let pieces overlap', () => {
      expect(matching([{ wildcard: 'ab*ba' }], ['aba', 'abba', 'abxba'])).toEqual(['abba', 'abxba']);
    });
  });

  describe('anything-but', () => {
    it('accepts every value but the excluded ones, of the same type', () => {
      expect(matching([{ 'anything-but': 'stopped' }], ['running', 'stopped', 5, null, true])).toEqual([
        'running',
        5,
        null,
        true,
      ]);
      expect(matching([{ 'anything-but': [100, 200] }], [100, 100.0, 150, '100', null])).toEqual([
        150,
        '100',
        null,
      ]);
    });

    it('needs a value: a missing field or an object does not match', () => {
      const compiled = compilePattern({ state: [{ 'anything-but': 'x' }] });
      expect(compiled({})).toBe(false);
      expect(compiled({ state: { x: 1 } })).toBe(false);
      expect(compiled({ state: [] })).toBe(false);
    });

    it('looks at each element of an event list', () => {
      expect(matching([{ 'anything-but': 'stopped' }], [['stopped', 'running'], ['stopped']])).toEqual([
        ['stopped', 'running'],
      ]);
    });

    it('excludes strings by prefix, suffix, case-insensitive equality or wildcard', () => {
      expect(
        matching([{ 'anything-but': { prefix: ['init', 'post'] } }], ['pre', 'init-x', 'post-x', 12]),
      ).toEqual(['pre', 12]);
      expect(matching([{ 'anything-but': { suffix: '.txt' } }], ['a.txt', 'a.txt.bak'])).toEqual([
        'a.txt.bak',
      ]);
      expect(matching([{ 'anything-but': { 'equals-ignore-case': ['A', 'b'] } }], ['a', 'B', 'c'])).toEqual([
        'c',
      ]);
      expect(
        matching([{ 'anything-but': { wildcard: '*/lib/*' } }], ['/usr/lib/x', '/usr/bin/x', 7]),
      ).toEqual(['/usr/bin/x', 7]);
      expect(matching([{ 'anything-but': { wildcard: '' } }], ['', 'x'])).toEqual(['x']);
    });

    it('ORs with the other alternatives of the list', () => {
      expect(matching([{ 'anything-but': 'a' }, { 'anything-but': 'b' }], ['a', 'b', 'c'])).toEqual([
        'a',
        'b',
        'c',
      ]);
    });
  });

  describe('numeric', () => {
    it('compares numbers only, numerically', () => {
      expect(matching([{ numeric: ['=', 301.8] }], [301.8, 3.018e2, '301.8', 301.80000001])).toEqual([
        301.8, 3.018e2,
      ]);
      expect(matching([{ numeric: ['>', 100] }], [101, 100, '300', null, true])).toEqual([101]);
    });

    it('honours open and closed bounds', () => {
      const values = [0, 1, 2, 3, 4];
      expect(matching([{ numeric: ['<', 1] }], values)).toEqual([0]);
      expect(matching([{ numeric: ['<=', 1] }], values)).toEqual([0, 1]);
      expect(matching([{ numeric: ['>=', 3] }], values)).toEqual([3, 4]);
      expect(matching([{ numeric: ['>', 1, '<', 3] }], values)).toEqual([2]);
      expect(matching([{ numeric: ['>=', 1, '<=', 3] }], values)).toEqual([1, 2, 3]);
      expect(matching([{ numeric: ['>=', 1, '<', 3] }], values)).toEqual([1, 2]);
      expect(matching([{ numeric: ['>', 1, '<=', 3] }], values)).toEqual([2, 3]);
    });

    it('handles negatives, decimals and large magnitudes', () => {
      expect(matching([{ numeric: ['>', -0.5, '<', 0.5] }], [-0.5, -0, 0, 0.4999, 0.5])).toEqual([
        -0, 0, 0.4999,
      ]);
      expect(matching([{ numeric: ['>=', 5e9] }], [5e9, 4.99e9, 1e300])).toEqual([5e9, 1e300]);
    });
  });

  describe('exists', () => {
    it('looks at leaf values only', () => {
      const present = compilePattern({ a: [{ exists: true }] });
      const absent = compilePattern({ a: [{ exists: false }] });
      const events = [
        { a: 'x' },
        { a: 0 },
        { a: null },
        { a: [1] },
        {},
        { a: {} },
        { a: { b: 1 } },
        { a: [] },
        { a: [{ b: 1 }] },
      ];
      expect(events.map((event) => present(event))).toEqual([
        true,
        true,
        true,
        true,
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(events.map((event) => absent(event))).toEqual([
        false,
        false,
        false,
        false,
        true,
        true,
        true,
        true,
        true,
      ]);
    });

    it('exists: false holds when an intermediate object is missing or not an object', () => {
      const compiled = compilePattern({ a: { b: { c: [{ exists: false }] } } });
      expect(
        [{}, { a: 1 }, { a: { b: 'x' } }, { a: { b: { d: 1 } } }, { a: { b: { c: 1 } } }].map((event) =>
          compiled(event),
        ),
      ).toEqual([true, true, true, true, false]);
    });

    it('exists: false over a list of objects holds only when no element has the field', () => {
      const compiled = compilePattern({ items: { id: [{ exists: false }] } });
      expect(compiled({ items: [{ name: 'a' }, { name: 'b' }] })).toBe(true);
      expect(compiled({ items: [{ name: 'a' }, { id: 1 }] })).toBe(false);
      expect(compiled({ items: [] })).toBe(true);
    });

    it('ORs with other alternatives', () => {
      expect(matching([{ exists: false }, 'x'], [undefined, 'x', 'y'])).toEqual([undefined, 'x']);
    });
  });

  describe('cidr', () => {
    it('matches IPv4 and IPv6 strings inside the block', () => {
      expect(
        matching(
          [{ cidr: '10.0.0.0/24' }],
          ['10.0.0.0', '10.0.0.255', '10.0.1.0', '10.0.0.256', 'x', 167772161],
        ),
      ).toEqual(['10.0.0.0', '10.0.0.255']);
      expect(
        matching(
          [{ cidr: '2001:db8:1234:1a00::/64' }],
          ['2001:db8:1234:1a00::9', '2001:db8:1234:1a01::', '10.0.0.1'],
        ),
      ).toEqual(['2001:db8:1234:1a00::9']);
    });

    it('ignores host bits in the block and handles odd mask lengths', () => {
      expect(matching([{ cidr: '220.160.154.255/24' }], ['220.160.154.0', '220.160.155.0'])).toEqual([
        '220.160.154.0',
      ]);
      expect(
        matching(
          [{ cidr: '220.160.153.171/31' }],
          ['220.160.153.169', '220.160.153.170', '220.160.153.171', '220.160.153.172'],
        ),
      ).toEqual(['220.160.153.170', '220.160.153.171']);
      expect(matching([{ cidr: '0.0.0.0/0' }], ['1.2.3.4', '255.255.255.255', '::1'])).toEqual([
        '1.2.3.4',
        '255.255.255.255',
      ]);
      expect(matching([{ cidr: '2001:db8::/33' }], ['2001:db8:7fff::', '2001:db8:8000::'])).toEqual([
        '2001:db8:7fff::',
      ]);
    });
  });

  describe('structure', () => {
    it('requires every field and lets any alternative satisfy one', () => {
      const compiled = compilePattern({ Location: ['New York'], Day: ['Monday', 'Tuesday'] });
      expect(compiled({ Location: 'New York', Day: 'Tuesday' })).toBe(true);
      expect(compiled({ Location: 'New York', Day: 'Sunday' })).toBe(false);
      expect(compiled({ Day: 'Monday' })).toBe(false);
    });

    it('requires the fields of a nested pattern to match within one element of a list of objects', () => {
      const compiled = compilePattern({ employees: { firstName: ['Anna'], lastName: ['Smith', 'Jones'] } });
      expect(compiled({ employees: [{ firstName: 'Anna', lastName: 'Smith' }] })).toBe(true);
      expect(
        compiled({
          employees: [
            { firstName: 'Anna', lastName: 'Doe' },
            { firstName: 'Peter', lastName: 'Jones' },
          ],
        }),
      ).toBe(false);
      expect(compiled({ employees: [[{ firstName: 'Anna', lastName: 'Jones' }]] })).toBe(true);
    });

    it('does not parse strings as JSON', () => {
      expect(compilePattern({ detail: { a: ['b'] } })({ detail: '{"a":"b"}' })).toBe(false);
    });

    it('treats dot-joined keys as nested keys, both ways', () => {
      expect(
        compilePattern({ detail: { 'state.status': ['running'] } })({
          detail: { state: { status: 'running' } },
        }),
      ).toBe(true);
      expect(
        compilePattern({ detail: { state: { status: ['running'] } } })({
          detail: { 'state.status': 'running' },
        }),
      ).toBe(true);
      expect(compilePattern({ 'a.b': { c: [1] } })({ 'a.b.c': 1 })).toBe(true);
      expect(compilePattern({ a: { b: [{ exists: false }] } })({ 'a.b': 1 })).toBe(false);
    });

    it('lets a later duplicate field replace an earlier one, as EventBridge does', () => {
      const compiled = compilePattern({ 'a.b': [1], a: { b: [2] } });
      expect(compiled({ a: { b: 2 } })).toBe(true);
      expect(compiled({ a: { b: 1 } })).toBe(false);
    });

    it('does not mistake inherited properties for fields', () => {
      // Prototype keys themselves are refused in patterns (see check-pattern-limits.test.ts).
      const compiled = compilePattern({ hasOwnProperty: [{ exists: true }], toString: [{ exists: false }] });
      expect(compiled({})).toBe(false);
      expect(compiled({ hasOwnProperty: 'x' })).toBe(true);
    });

    it('treats values that are not JSON as absent', () => {
      const compiled = compilePattern({ a: [{ exists: false }] });
      expect(compiled({ a: () => 1 })).toBe(true);
      expect(compiled({ a: undefined })).toBe(true);
    });
  });

  describe('$or', () => {
    const pattern: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
    };

    it('needs one branch besides the other fields', () => {
      const compiled = compilePattern(pattern);
      expect(compiled({ source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
      expect(compiled({ source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' })).toBe(
        true,
      );
      expect(compiled({ source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
      expect(compiled({ source: 'other', metricName: 'CPUUtilization' })).toBe(false);
    });

    it('works inside nested objects and inside branches', () => {
      const compiled = compilePattern({
        detail: { $or: [{ a: [1] }, { b: [2], $or: [{ c: [3] }, { d: [4] }] }] },
      });
      expect(compiled({ detail: { a: 1 } })).toBe(true);
      expect(compiled({ detail: { b: 2, d: 4 } })).toBe(true);
      expect(compiled({ detail: { b: 2 } })).toBe(false);
    });

    it('keeps array consistency within each branch', () => {
      const compiled = compilePattern({
        items: { kind: ['book'] },
        $or: [{ items: { price: [{ numeric: ['<', 10] }] } }, { gift: [true] }],
      });
      expect(compiled({ items: [{ kind: 'book', price: 5 }] })).toBe(true);
      expect(
        compiled({
          items: [
            { kind: 'book', price: 50 },
            { kind: 'pen', price: 5 },
          ],
        }),
      ).toBe(false);
    });
  });
});
