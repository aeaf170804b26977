/**
 * @omnibus/memory — the in-memory Omnibus transport (`memory://`): a faithful in-process broker
 * with queues, durable subscriptions, rules, delays, leases, dead letters and ordering by key. It
 * is also the test harness: a virtual clock, fault injection, inspection and `waitForIdle`.
 */
export { createMemoryTransport, type MemoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport-options.js';
export { transportFactory } from './transport-factory.js';
export {
  createMemoryBroker,
  type MemoryBroker,
  type MemoryBrokerOptions,
  type Provision,
  type SourceCounts,
  type WaitForIdleOptions,
} from './memory-broker.js';
export { getMemoryBroker } from './shared-brokers.js';
export type { DuplicateDeliveriesOptions, MemoryFaults, MemorySource } from './memory-faults.js';
export type { DeadLetter, PeekedMessage } from './peeked-message.js';
export { memoryCapabilities } from './memory-capabilities.js';
export {
  type Clock,
  createVirtualClock,
  systemClock,
  type TimerHandle,
  type VirtualClock,
  type VirtualClockOptions,
} from './clock.js';
