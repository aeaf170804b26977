import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoTimeNow } from './iso-time-now.js';

describe('isoTimeNow', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the current millisecond as Date#toISOString does, following the clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-01T10:00:00.123Z'));
    expect(isoTimeNow()).toBe('2026-03-01T10:00:00.123Z');
    expect(isoTimeNow()).toBe('2026-03-01T10:00:00.123Z');
    vi.setSystemTime(new Date('2026-03-01T10:00:00.124Z'));
    expect(isoTimeNow()).toBe('2026-03-01T10:00:00.124Z');
    vi.setSystemTime(new Date('2025-12-31T23:59:59.999Z'));
    expect(isoTimeNow()).toBe('2025-12-31T23:59:59.999Z');
  });
});
