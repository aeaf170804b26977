import {
  type Bus,
  createBus,
  type EventRule,
  type Logger,
  type RuleInput,
  type TelemetryOptions,
  type Transport,
} from '@omnibus/core';
import { type Collector, silentLogger, sleep, uniqueId, uniqueName, waitFor } from './harness.js';
import { observeTransport, type TransportCalls } from './observe-transport.js';
import type { TransportContractOptions } from './transport-contract-options.js';

/** A bus opened by a scenario, with the transport under it. */
export interface OpenBus {
  readonly bus: Bus;
  /** The transport the bus runs on, for scenarios that go through the SPI directly. */
  readonly transport: Transport;
  /** How often the bus reached each transport method. */
  readonly calls: TransportCalls;
  /** The bus's `source`, unique to this scenario: rule patterns match on it to stay isolated. */
  readonly source: string;
  /** `bus.rule`, remembering the name so the rule is deleted when the scenario ends. */
  rule(name: string, definition: RuleInput): Promise<EventRule>;
}

/**
 * Everything one scenario opens, closed again when it ends: buses (and so transports and
 * consumers), rules, and raw subscriptions registered with `defer`.
 */
export interface Scope {
  /** Milliseconds the scenario may wait for something that should happen (scaled). */
  readonly patienceMs: number;
  /** A unique queue/topic/subscription/rule name. */
  name(label: string): string;
  /** A unique message id. */
  id(): string;
  /** Opens a bus on a new transport from the factory. */
  open(options?: OpenOptions): Promise<OpenBus>;
  /** Skips the scenario at run time, e.g. for a capability the transport does not declare. */
  skip(reason: string): never;
  /** Runs `cleanup` when the scenario ends, before the buses close. */
  defer(cleanup: () => unknown): void;
  /** Waits until `predicate` holds, failing the scenario after `patienceMs`. */
  waitFor(predicate: () => boolean | Promise<boolean>, what: string, describe?: () => string): Promise<void>;
  /** Waits until `collector` has seen at least `count` handler invocations. */
  waitForCount<T>(collector: Collector<T>, count: number, what: string): Promise<void>;
  /**
   * A quiet period: long enough for a stray duplicate or a wrongly routed message to show up
   * before the scenario asserts it did not.
   */
  settle(): Promise<void>;
  /** Sleeps `ms` scaled by the time scale. */
  pause(ms: number): Promise<void>;
}

/** How a scenario opens a bus. */
export interface OpenOptions {
  provision?: 'auto' | 'never';
  /** Telemetry providers for this bus only (scenarios run concurrently). @default off */
  telemetry?: TelemetryOptions;
  /** The bus logger. @default the suite's logger */
  logger?: Logger;
}

const BASE_PATIENCE_MS = 10_000;
const BASE_SETTLE_MS = 200;

export function createScope(
  options: TransportContractOptions,
  skip: (reason: string) => never,
): Scope & { dispose(): Promise<void> } {
  const timeScale = options.timeScale ?? 1;
  const logger = options.logger ?? silentLogger;
  const patienceMs = BASE_PATIENCE_MS * timeScale;
  const buses: Bus[] = [];
  const cleanups: (() => unknown)[] = [];

  const scope: Scope & { dispose(): Promise<void> } = {
    patienceMs,
    name: uniqueName,
    id: uniqueId,
    async open(openOptions = {}) {
      const provision = openOptions.provision ?? 'auto';
      let factory = options.createTransport;
      if (provision === 'never') {
        if (!options.createNonProvisioningTransport) {
          skip('no createNonProvisioningTransport was given to runTransportContract');
        }
        factory = options.createNonProvisioningTransport;
      }
      const { transport, calls } = observeTransport(await factory());
      const source = uniqueName('src');
      const bus = await createBus({
        transport,
        source,
        provision,
        logger: openOptions.logger ?? logger,
        // Off unless asked for: a globally registered provider must not see every scenario's spans.
        telemetry: openOptions.telemetry ?? false,
      });
      buses.push(bus);
      return {
        bus,
        transport,
        calls,
        source,
        async rule(name, definition) {
          const rule = await bus.rule(name, definition);
          cleanups.push(() => bus.rules.delete(name));
          return rule;
        },
      };
    },
    skip,
    defer(cleanup) {
      cleanups.push(cleanup);
    },
    waitFor: (predicate, what, describe) => waitFor(predicate, what, patienceMs, describe),
    waitForCount: (collector, count, what) =>
      waitFor(
        () => collector.count() >= count,
        `${count} arrivals on ${what}`,
        patienceMs,
        () => collector.describe(),
      ),
    settle: () => sleep(BASE_SETTLE_MS * timeScale),
    pause: (ms) => sleep(ms * timeScale),
    async dispose() {
      const failures: unknown[] = [];
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          failures.push(error);
        }
      }
      // Closing a bus stops its consumers (draining them) and closes its transport.
      const closed = await Promise.allSettled(buses.reverse().map((bus) => bus.close()));
      for (const result of closed) if (result.status === 'rejected') failures.push(result.reason);
      if (failures.length > 0) {
        throw new AggregateError(
          failures,
          `Cleaning up the scenario failed: ${failures.map(String).join('; ')}`,
        );
      }
    },
  };
  return scope;
}
