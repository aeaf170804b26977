import { describe, expect, it } from 'vitest';
import { toError } from './to-error.js';

describe('toError', () => {
  it('keeps errors and wraps anything else with a readable message', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
    expect(toError('boom').message).toBe('A handler threw a non-Error value: boom');
    expect(toError({ code: 7 }).message).toContain('{"code":7}');
    expect(toError(undefined).message).toContain('undefined');
    expect(toError(42).name).toBe('NonErrorThrown');
  });
});
