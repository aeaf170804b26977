import { describe, expect, it } from 'vitest';
import { matchesWildcard, parseWildcard, type Wildcard } from './wildcard.js';
import { WILDCARD_COMPLEXITY_LIMIT, wildcardComplexity } from './wildcard-complexity.js';

function wildcard(text: string): Wildcard {
  const parsed = parseWildcard(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('parseWildcard', () => {
  it('splits on unescaped stars and unescapes', () => {
    expect(wildcard('a*b\\*c\\\\d*').pieces).toEqual(['a', 'b*c\\d', '']);
    expect(wildcard('').pieces).toEqual(['']);
  });

  it('rejects consecutive stars and stray backslashes', () => {
    expect(parseWildcard('a**')).toContain('"**" at position 1');
    expect(parseWildcard('a\\n')).toContain('"\\" at position 1');
    expect(parseWildcard('a\\')).toContain('"\\" at position 1');
  });
});

describe('matchesWildcard', () => {
  it.each([
    ['*', '', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*ab*ab*', 'xabyab', true],
    ['*ab*ab*', 'xaby', false],
    ['/Users/*/dir/dir/dir/dir/dir/doc.txt', '/Users/u/dir/dir/dir/dir/otherdir/doc.txt', false],
    ['/Users/*/doc.txt', '/Users/u/dir/dir/doc.txt', true],
  ])('%j against %j is %s', (pattern, value, expected) => {
    expect(matchesWildcard(wildcard(pattern), value)).toBe(expected);
  });
});

describe('wildcardComplexity', () => {
  const complexity = (...texts: string[]) => wildcardComplexity(texts.map(wildcard));

  it('counts the partial matches one input can keep alive at once', () => {
    expect(complexity('abc')).toBe(1);
    expect(complexity('*:*:*:*:event-bus/*')).toBeLessThanOrEqual(WILDCARD_COMPLEXITY_LIMIT);
    expect(complexity('*:*:*:*:*:event-bus/*')).toBeGreaterThan(WILDCARD_COMPLEXITY_LIMIT);
    expect(complexity('arn:aws:events:us-east-1:*:event-bus/*')).toBeLessThan(5);
  });

  it('grows with repeated characters after a star and adds up across alternatives', () => {
    expect(complexity('a*bbb')).toBeGreaterThan(complexity('a*bcd'));
    expect(complexity('*/lib/*', '*/bin/*')).toBeGreaterThan(complexity('*/lib/*'));
  });
});
