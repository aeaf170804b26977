/** Something that has a sequence number and can tell whether it is still waiting to be delivered. */
export interface Sequenced {
  readonly sequenceNumber: number;
}

/**
 * Messages waiting for delivery, lowest sequence number first. New messages arrive in increasing
 * order (an O(1) append); an abandoned or expired-lock message goes back to its place, so redelivery
 * keeps the entity's order. Entries that stopped being deliverable are dropped lazily by `next`.
 */
export function createSequenceOrderedQueue<T extends Sequenced>(isDeliverable: (item: T) => boolean) {
  let items: T[] = [];
  let head = 0;

  const compact = () => {
    while (head < items.length && !isDeliverable(items[head]!)) head++;
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
  };

  return {
    /** Adds an item in sequence order. */
    add(item: T): void {
      const last = items[items.length - 1];
      if (!last || head >= items.length || last.sequenceNumber < item.sequenceNumber) {
        items.push(item);
        return;
      }
      let low = head;
      let high = items.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (items[middle]!.sequenceNumber < item.sequenceNumber) low = middle + 1;
        else high = middle;
      }
      items.splice(low, 0, item);
    },
    /** The deliverable item with the lowest sequence number, without removing it. */
    peek(): T | undefined {
      compact();
      return items[head];
    },
    /** Removes and returns the deliverable item with the lowest sequence number. */
    next(): T | undefined {
      compact();
      const item = items[head];
      if (item) head++;
      return item;
    },
    /** Whether any deliverable item is waiting. */
    hasDeliverable(): boolean {
      compact();
      return head < items.length;
    },
  };
}

export type SequenceOrderedQueue<T extends Sequenced> = ReturnType<typeof createSequenceOrderedQueue<T>>;
