import { ConfigurationError } from '@omnibus/core';
import { createMemoryBroker, type MemoryBroker } from './memory-broker.js';

// Kept on globalThis under a registered symbol so that two copies of this package in one process
// (a bundled adapter beside an installed one) still share `memory://` brokers.
const registryKey = Symbol.for('omnibus.memory.brokers');

function registry(): Map<string, MemoryBroker> {
  const holder = globalThis as { [registryKey]?: Map<string, MemoryBroker> };
  holder[registryKey] ??= new Map();
  return holder[registryKey];
}

/**
 * The process-wide broker called `name`: `memory://` uses `'default'`, `memory://billing` uses
 * `'billing'`. Every bus on the same URL in one process talks through it. Created on first use,
 * on the system clock.
 */
export function getMemoryBroker(name = 'default'): MemoryBroker {
  if (typeof name !== 'string' || name === '')
    throw new ConfigurationError(`A memory broker name must be a non-empty string; got ${String(name)}.`);
  const brokers = registry();
  let broker = brokers.get(name);
  if (broker === undefined) {
    broker = createMemoryBroker({ name });
    brokers.set(name, broker);
  }
  return broker;
}
