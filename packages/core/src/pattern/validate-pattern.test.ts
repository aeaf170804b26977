import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../errors/index.js';
import { validatePattern } from './validate-pattern.js';

/** The error `validatePattern` throws for `pattern`, or a failure when it accepts it. */
function rejection(pattern: unknown): InvalidPatternError {
  try {
    validatePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPatternError);
    return error as InvalidPatternError;
  }
  return expect.fail(`expected ${JSON.stringify(pattern)} to be rejected`);
}

describe('validatePattern', () => {
  it('accepts every operator in its documented forms', () => {
    expect(() =>
      validatePattern({
        source: ['orders', 5, 1.5, true, false, null],
        detail: {
          a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }, { prefix: '' }],
          b: [{ suffix: '.png' }, { suffix: { 'equals-ignore-case': '.PNG' } }],
          c: [{ 'equals-ignore-case': 'alice' }, { wildcard: 'a*b\\*c\\\\' }],
          d: [
            { 'anything-but': 'x' },
            { 'anything-but': 3 },
            { 'anything-but': ['x', 'y'] },
            { 'anything-but': [1, 2] },
          ],
          e: [
            { 'anything-but': { prefix: 'init' } },
            { 'anything-but': { suffix: ['.txt', '.md'] } },
            { 'anything-but': { 'equals-ignore-case': ['a', 'B'] } },
            { 'anything-but': { wildcard: '*/lib/*' } },
          ],
          f: [
            { numeric: ['=', 3] },
            { numeric: ['<', 0] },
            { numeric: ['>=', 0, '<', 1] },
            { numeric: ['>', -1e9, '<=', 1e9] },
          ],
          g: [{ exists: true }, { exists: false }],
          h: [{ cidr: '10.0.0.0/8' }, { cidr: '2001:db8::/32' }],
          $or: [{ i: [1] }, { j: { k: [2] } }],
        },
      }),
    ).not.toThrow();
  });

  it('narrows the type of what it accepts', () => {
    const input: unknown = { source: ['orders'] };
    validatePattern(input);
    expect(input.source).toEqual(['orders']);
  });

  describe('the shape', () => {
    it.each([
      [['not', 'a', 'pattern'], 'a list'],
      ['source', 'a string'],
      [null, 'null'],
      [new Date(0), 'an object'],
    ])('rejects a root that is not a plain object: %j', (pattern, kind) => {
      const error = rejection(pattern);
      expect(error.path).toBe('');
      expect(error.reason).toContain('is a JSON object');
      expect(error.reason).toContain(kind);
    });

    it('rejects an empty pattern and empty nested objects', () => {
      expect(rejection({}).reason).toContain('at least one field');
      expect(rejection({ detail: {} }).path).toBe('detail');
    });

    it('asks for a list when a field holds a bare value, and shows it', () => {
      const error = rejection({ detail: { state: 'running' } });
      expect(error.path).toBe('detail.state');
      expect(error.reason).toContain('["running"]');
      expect(rejection({ int: 42 }).reason).toContain('[42]');
    });

    it('rejects empty lists and says how to ask for absence', () => {
      const error = rejection({ resources: [] });
      expect(error.path).toBe('resources');
      expect(error.reason).toContain('{ "exists": false }');
    });

    it('rejects nested lists and values that are not JSON', () => {
      expect(rejection({ a: [['x']] }).path).toBe('a[0]');
      expect(rejection({ a: [Number.NaN] }).reason).toContain('not a JSON number');
      expect(rejection({ a: [undefined] }).path).toBe('a[0]');
    });

    it('writes awkward keys in brackets in the path', () => {
      expect(rejection({ 'a.b': { 'c d': [] } }).path).toBe('["a.b"]["c d"]');
    });
  });

  describe('operators', () => {
    it('rejects unknown operators, and points out case mistakes', () => {
      const error = rejection({ my_key: [{ EXISTS: true }] });
      expect(error.path).toBe('my_key[0].EXISTS');
      expect(error.reason).toContain('write "exists"');
      expect(rejection({ a: [{ regex: 'x' }] }).reason).toContain('the operators are prefix, suffix');
      expect(rejection({ a: [{ exactly: 'x' }] }).reason).toContain('list the string itself');
    });

    it('wants exactly one operator per object', () => {
      expect(rejection({ a: [{}] }).reason).toContain('needs one operator');
      expect(rejection({ a: [{ prefix: 'a', suffix: 'b' }] }).reason).toContain('put each in its own object');
    });

    it.each([
      [{ time: [{ prefix: 123 }] }, 'time[0].prefix', 'prefix takes a string'],
      [{ time: [{ prefix: ['x'] }] }, 'time[0].prefix', 'got a list'],
      [{ time: [{ prefix: { 'equals-ignore-case': 1 } }] }, 'time[0].prefix', 'equals-ignore-case'],
      [{ f: [{ suffix: { other: 'x' } }] }, 'f[0].suffix', 'suffix takes a string'],
      [{ t: [{ 'equals-ignore-case': ['x'] }] }, 't[0].equals-ignore-case', 'single string'],
      [{ w: [{ wildcard: 1 }] }, 'w[0].wildcard', 'single string'],
      [{ e: [{ exists: 'true' }] }, 'e[0].exists', 'true or false'],
      [{ c: [{ cidr: 10 }] }, 'c[0].cidr', 'single string'],
    ])('checks operand types: %j', (pattern, path, reason) => {
      const error = rejection(pattern);
      expect(error.path).toBe(path);
      expect(error.reason).toContain(reason);
    });

    it.each([
      [{ n: [{ numeric: 10 }] }, 'n[0].numeric', 'list of comparisons'],
      [{ n: [{ numeric: [] }] }, 'n[0].numeric[0]', 'starts with one of'],
      [{ n: [{ numeric: ['!=', 1] }] }, 'n[0].numeric[0]', '"!="'],
      [{ n: [{ numeric: ['>', '1'] }] }, 'n[0].numeric[1]', 'must be followed by a number'],
      [{ n: [{ numeric: ['>', 0, '>', 0] }] }, 'n[0].numeric[2]', 'upper bound'],
      [{ n: [{ numeric: ['>', 0, '<'] }] }, 'n[0].numeric[3]', 'got nothing'],
      [{ n: [{ numeric: ['<', 5, '>', 0] }] }, 'n[0].numeric[2]', 'lower bound first'],
      [{ n: [{ numeric: ['=', 5, '<', 6] }] }, 'n[0].numeric[2]', 'nothing may follow'],
      [{ n: [{ numeric: ['>', 5, '<', 5] }] }, 'n[0].numeric', 'must be below the upper bound'],
      [{ n: [{ numeric: ['>=', 9, '<=', 1] }] }, 'n[0].numeric', 'must be below the upper bound'],
      [{ n: [{ numeric: ['>', 0, '<', 9, 'x'] }] }, 'n[0].numeric[4]', 'at most two comparisons'],
      [
        { n: [{ numeric: ['>', Number.POSITIVE_INFINITY] }] },
        'n[0].numeric[1]',
        'must be followed by a number',
      ],
    ])('checks numeric ranges: %j', (pattern, path, reason) => {
      const error = rejection(pattern);
      expect(error.path).toBe(path);
      expect(error.reason).toContain(reason);
    });

    it.each([
      [{ s: [{ 'anything-but': null }] }, 's[0].anything-but', 'null and booleans cannot be excluded'],
      [{ s: [{ 'anything-but': true }] }, 's[0].anything-but', 'null and booleans cannot be excluded'],
      [{ s: [{ 'anything-but': [] }] }, 's[0].anything-but', 'excludes nothing'],
      [{ s: [{ 'anything-but': ['a', null] }] }, 's[0].anything-but[1]', 'only strings or only numbers'],
      [{ s: [{ 'anything-but': ['a', 1] }] }, 's[0].anything-but[1]', 'not both'],
      [{ s: [{ 'anything-but': { prefix: '' } }] }, 's[0].anything-but.prefix', 'exclude every string'],
      [
        { s: [{ 'anything-but': { suffix: ['a', ''] } }] },
        's[0].anything-but.suffix[1]',
        'exclude every string',
      ],
      [
        { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] },
        's[0].anything-but.prefix',
        'got an object',
      ],
      [
        { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
        's[0].anything-but.numeric',
        'cannot wrap "numeric"',
      ],
      [{ s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, 's[0].anything-but', 'exactly one'],
      [{ s: [{ 'anything-but': { wildcard: 'a**' } }] }, 's[0].anything-but.wildcard', '"**"'],
      [
        { s: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
        's[0].anything-but.equals-ignore-case[0]',
        'strings only',
      ],
    ])('checks anything-but: %j', (pattern, path, reason) => {
      const error = rejection(pattern);
      expect(error.path).toBe(path);
      expect(error.reason).toContain(reason);
    });

    it.each([
      ['bad-filter', 'one "/"'],
      ['bad-/64filter', 'whole number of bits'],
      ['10.0.0.0/-1', 'must not be negative'],
      ['10.0.0.0/x', 'whole number of bits'],
      ['10.0.0.256/24', 'is not an IPv4 or IPv6 address'],
      ['10.0.0.1/32', 'list it as a plain value: ["10.0.0.1"]'],
      ['2001:db8::1/128', '127 bits or fewer'],
      ['10.0.0.0/8/8', 'one "/"'],
    ])('checks CIDR blocks: %s', (cidr, reason) => {
      const error = rejection({ ip: [{ cidr }] });
      expect(error.path).toBe('ip[0].cidr');
      expect(error.reason).toContain(reason);
    });

    it('checks wildcards for syntax and complexity', () => {
      expect(rejection({ a: [{ wildcard: 'a**b' }] }).reason).toContain('"**"');
      expect(rejection({ a: [{ wildcard: 'a\\b' }] }).reason).toContain('"\\*" for a literal asterisk');
      const complex = rejection({ EventBusArn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] });
      expect(complex.path).toBe('EventBusArn');
      expect(complex.reason).toContain('too complex');
      expect(() =>
        validatePattern({ EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }),
      ).not.toThrow();
    });
  });

  describe('$or', () => {
    it('needs a list of at least two objects', () => {
      expect(rejection({ $or: { a: [1] } }).reason).toContain('at least two pattern objects');
      expect(rejection({ $or: [{ a: [1] }] }).reason).toContain('a list of 1');
      expect(rejection({ $or: [{ a: [1] }, ['b']] }).path).toBe('$or[1]');
      expect(rejection({ $or: [{ a: [1] }, {}] }).path).toBe('$or[1]');
    });

    it('refuses operator names as field names inside a branch', () => {
      const error = rejection({ $or: [{ a: [1] }, { nested: { numeric: ['>', 1] } }] });
      expect(error.path).toBe('$or[1].nested.numeric');
      expect(error.reason).toContain('operator name');
      expect(() => validatePattern({ prefix: ['outside $or is a plain field'] })).not.toThrow();
    });

    it('refuses more than 1000 combinations, accepts 1000', () => {
      const branches = (count: number, name: string) =>
        Array.from({ length: count }, (_, index) => ({ [`${name}${index}`]: ['v'] }));
      expect(() =>
        validatePattern({
          $or: branches(10, 'a'),
          x: { $or: branches(10, 'b') },
          y: { $or: branches(10, 'c') },
        }),
      ).not.toThrow();
      const error = rejection({
        $or: branches(10, 'a'),
        x: { $or: branches(10, 'b') },
        y: { $or: branches(11, 'c') },
      });
      expect(error.reason).toContain('more than 1000 combinations');
    });
  });
});
