/**
 * A growable ring buffer: O(1) push and shift at both ends. Queues hold their ready messages in
 * one, because `Array.prototype.shift` on a large array is O(n) and would make a deep queue quadratic.
 */
export class RingDeque<T> {
  private slots: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 2;
    while (capacity < initialCapacity) capacity *= 2;
    this.slots = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.count;
  }

  /** Adds at the back. */
  push(item: T): void {
    if (this.count > this.mask) this.grow();
    this.slots[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Adds at the front. */
  unshift(item: T): void {
    if (this.count > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.slots[this.head] = item;
    this.count++;
  }

  /** Removes from the front. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    // Drop the reference so a drained queue does not keep its messages alive.
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The item at `index` from the front, without removing it. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.slots[(this.head + index) & this.mask];
  }

  /** A copy of the items, front first. */
  toArray(): T[] {
    const result = new Array<T>(this.count);
    for (let index = 0; index < this.count; index++)
      result[index] = this.slots[(this.head + index) & this.mask]!;
    return result;
  }

  private grow(): void {
    const items = this.toArray();
    const capacity = this.slots.length * 2;
    this.slots = new Array<T | undefined>(capacity);
    for (let index = 0; index < items.length; index++) this.slots[index] = items[index];
    this.head = 0;
    this.mask = capacity - 1;
  }
}
