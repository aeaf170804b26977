import { compilePattern, type EventPattern, type MessageInput } from '@omnibus/core';
import {
  type Delivery,
  type EncodedMessage,
  encodeMessage,
  type RuleDefinition,
} from '@omnibus/core/transport';
import {
  createMemoryBroker,
  createMemoryTransport,
  createVirtualClock,
  type MemoryTransportOptions,
} from '../src/index.js';

let counter = 0;

/** A name no other test uses, so tests can share a broker. */
export function unique(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Encodes a message the way core does. */
export function encoded(input: Partial<MessageInput> & { data?: unknown } = {}): EncodedMessage {
  return encodeMessage({ type: 'TestHappened', data: null, ...input } as MessageInput, {
    source: 'memory-tests',
  });
}

export function encodedMany(
  count: number,
  make: (index: number) => Partial<MessageInput> = (index) => ({ data: { index } }),
) {
  return Array.from({ length: count }, (_, index) => encoded(make(index)));
}

export function dataOf(message: EncodedMessage): unknown {
  return JSON.parse(new TextDecoder().decode(message.body));
}

/** A transport on a private broker with a virtual clock. */
export function setup(options: Omit<MemoryTransportOptions, 'broker' | 'clock'> = {}) {
  const clock = createVirtualClock();
  const broker = createMemoryBroker({ clock });
  const transport = createMemoryTransport({ ...options, broker });
  return { clock, broker, transport };
}

/** A rule definition as core hands it to the transport: the pattern and its compiled matcher. */
export function rule(name: string, target: RuleDefinition['target'], pattern: EventPattern): RuleDefinition {
  return { name, pattern, target, matches: compilePattern(pattern) };
}

/** A pattern every envelope matches (every envelope has an id). */
export const everyEvent: EventPattern = { id: [{ exists: true }] };

/** Records deliveries; `decide` settles each (default: ack). */
export function recorder(
  decide: (delivery: Delivery) => Promise<void> | void = (delivery) => delivery.ack(),
) {
  const deliveries: Delivery[] = [];
  let unsettledNow = 0;
  let maxUnsettled = 0;
  const handler = async (delivery: Delivery) => {
    deliveries.push(delivery);
    unsettledNow++;
    maxUnsettled = Math.max(maxUnsettled, unsettledNow);
    try {
      await decide(delivery);
    } finally {
      unsettledNow--;
    }
  };
  return {
    handler,
    deliveries,
    get maxUnsettled() {
      return maxUnsettled;
    },
    data: () => deliveries.map((delivery) => dataOf(delivery.message)),
  };
}

export const consumeOptions = { concurrency: 10, ordering: 'none', maxAttempts: 5 } as const;
