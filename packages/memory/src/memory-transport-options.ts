import { ConfigurationError } from '@omnibus/core';
import type { Clock } from './clock.js';
import {
  brokerInternals,
  type Broker,
  createMemoryBroker,
  type MemoryBroker,
  type Provision,
} from './memory-broker.js';
import { getMemoryBroker } from './shared-brokers.js';

/** Options of `createMemoryTransport`. */
export interface MemoryTransportOptions {
  /**
   * The broker to use: an instance from `createMemoryBroker()`, or the name of a process-wide broker
   * (see `getMemoryBroker`). Transports on the same broker see each other's queues, topics and rules.
   * @default the process-wide broker 'default' (the one `memory://` uses), or a new private broker when `clock` is given
   */
  broker?: MemoryBroker | string;
  /**
   * The clock of a new private broker. Give either `broker` or `clock`: a broker already has one.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Largest encoded message (body plus attribute names and values) accepted, in bytes.
   * @default 262_144 (256 KiB, like SQS and Service Bus standard)
   */
  maxMessageBytes?: number;
  /**
   * How long a delivery stays invisible after its consumer is gone (crashed, or its transport was
   * closed without stopping it) before it is delivered again. Live consumers keep their leases.
   * @default 30_000
   */
  visibilityTimeoutMs?: number;
  /**
   * `'auto'` creates queues, topics, subscriptions and rules on first use; `'never'` fails with
   * `ConfigurationError` naming what is missing.
   * @default 'auto'
   */
  provision?: Provision;
}

/** Validated settings. */
export interface MemoryTransportSettings {
  readonly broker: Broker;
  readonly maxMessageBytes: number;
  readonly visibilityTimeoutMs: number;
  readonly provision: Provision;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
const known = new Set(['broker', 'clock', 'maxMessageBytes', 'visibilityTimeoutMs', 'provision']);

/** Checks every option at once and reports every problem in one `ConfigurationError`. */
export function resolveMemoryTransportOptions(options: MemoryTransportOptions = {}): MemoryTransportSettings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(`createMemoryTransport: options must be an object; got ${String(options)}.`);
  }
  const problems: string[] = [];
  for (const name of Object.keys(options)) if (!known.has(name)) problems.push(`unknown option '${name}'`);

  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) {
    problems.push(`maxMessageBytes must be a positive integer; got ${String(maxMessageBytes)}`);
  }
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
  if (
    typeof visibilityTimeoutMs !== 'number' ||
    !Number.isFinite(visibilityTimeoutMs) ||
    visibilityTimeoutMs < 0
  ) {
    problems.push(`visibilityTimeoutMs must be a finite number >= 0; got ${String(visibilityTimeoutMs)}`);
  }
  const provision = options.provision ?? 'auto';
  if (provision !== 'auto' && provision !== 'never')
    problems.push(`provision must be 'auto' or 'never'; got ${String(provision)}`);
  if (options.broker !== undefined && options.clock !== undefined) {
    problems.push(
      'give either broker or clock, not both: a broker already has its clock (createMemoryBroker({ clock }))',
    );
  }
  const broker = options.broker;
  if (broker !== undefined && typeof broker !== 'string' && !isBroker(broker)) {
    problems.push('broker must be a broker name or come from createMemoryBroker()');
  }
  if (broker === '') problems.push('broker name must not be empty');
  if (problems.length > 0)
    throw new ConfigurationError(`Invalid memory transport options: ${problems.join('; ')}.`, {
      transport: 'memory',
    });

  let resolved: MemoryBroker;
  if (typeof broker === 'string') resolved = getMemoryBroker(broker);
  else if (broker !== undefined) resolved = broker;
  else if (options.clock !== undefined) resolved = createMemoryBroker({ clock: options.clock });
  else resolved = getMemoryBroker();
  return { broker: brokerInternals(resolved), maxMessageBytes, visibilityTimeoutMs, provision };
}

function isBroker(value: unknown): boolean {
  try {
    brokerInternals(value as MemoryBroker);
    return true;
  } catch {
    return false;
  }
}
