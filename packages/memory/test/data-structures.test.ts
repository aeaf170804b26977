import { describe, expect, it } from 'vitest';
import { MinHeap } from '../src/min-heap.js';
import { RingDeque } from '../src/ring-deque.js';

describe('RingDeque', () => {
  it('keeps FIFO order across growth and wrap-around, with unshift at the front', () => {
    const deque = new RingDeque<number>(2);
    const model: number[] = [];
    let next = 0;
    // A seeded mix of operations, checked against a plain array.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let step = 0; step < 5_000; step++) {
      const roll = random();
      if (roll < 0.45) {
        deque.push(next);
        model.push(next++);
      } else if (roll < 0.6) {
        deque.unshift(next);
        model.unshift(next++);
      } else {
        expect(deque.shift()).toBe(model.shift());
      }
      expect(deque.length).toBe(model.length);
    }
    expect(deque.toArray()).toEqual(model);
    expect(deque.at(0)).toBe(model[0]);
    expect(deque.at(model.length)).toBeUndefined();
  });
});

describe('MinHeap', () => {
  it('pops in order, ties broken by the comparator', () => {
    const heap = new MinHeap<{ at: number; sequence: number }>(
      (a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence),
    );
    const items = Array.from({ length: 1_000 }, (_, sequence) => ({ at: (sequence * 7919) % 97, sequence }));
    for (const item of items) heap.push(item);
    const popped: { at: number; sequence: number }[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
    expect(popped).toEqual([...items].sort((a, b) => a.at - b.at || a.sequence - b.sequence));
    expect(heap.size).toBe(0);
  });
});
