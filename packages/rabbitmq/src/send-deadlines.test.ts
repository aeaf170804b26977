import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSendDeadlines } from './send-deadlines.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const expired = (label: string) => () => new Error(`${label} expired`);

describe('createSendDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles as the work does when it settles in time, and holds no timer once idle', async () => {
    const deadlines = createSendDeadlines();
    const done = deferred();
    const failed = deferred();
    const first = deadlines.bound(done.promise, 1_000, expired('first'));
    const second = deadlines.bound(failed.promise, 1_000, expired('second'));
    expect(vi.getTimerCount()).toBe(1);
    done.resolve();
    failed.reject(new Error('nacked'));
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow('nacked');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects each send at its own deadline, not before, whatever order they came in', async () => {
    const deadlines = createSendDeadlines();
    const outcomes: string[] = [];
    const track = (label: string, promise: Promise<void>) =>
      promise.then(
        () => outcomes.push(`${label} ok`),
        (error: Error) => outcomes.push(error.message),
      );
    const slow = deferred();
    void track('late', deadlines.bound(slow.promise, 3_000, expired('late')));
    void track('early', deadlines.bound(deferred().promise, 1_000, expired('early')));
    void track('middle', deadlines.bound(deferred().promise, 2_000, expired('middle')));
    await vi.advanceTimersByTimeAsync(999);
    expect(outcomes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual(['early expired']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(outcomes).toEqual(['early expired', 'middle expired']);
    slow.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes).toEqual(['early expired', 'middle expired', 'late ok']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores work that settles after its deadline', async () => {
    const deadlines = createSendDeadlines();
    const work = deferred();
    const outcome = expect(deadlines.bound(work.promise, 10, expired('send'))).rejects.toThrow(
      'send expired',
    );
    await vi.advanceTimersByTimeAsync(10);
    await outcome;
    work.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
