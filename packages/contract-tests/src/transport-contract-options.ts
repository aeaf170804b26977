import type { Logger, Transport } from '@omnibus/core';
import type { NativeClient } from './native-client.js';
import type { ScenarioId } from './scenario-ids.js';

/** What a transport package passes to `runTransportContract`. */
export interface TransportContractOptions {
  /** Shown in the suite's title, e.g. `'rabbitmq'` or `'aws (localstack)'`. */
  name: string;

  /**
   * Returns a new, unconnected transport with `provision: 'auto'`. The suite calls it once per bus
   * it opens (several times in one scenario when two buses talk to each other), hands the result
   * to `createBus`, and closes every bus it opened, which closes the transport.
   *
   * Every transport it returns must reach the same broker: a message sent through one must be
   * receivable through another. (For an in-process transport, share one broker between them.)
   */
  createTransport: () => Transport | Promise<Transport>;

  /**
   * Returns a transport built with `provision: 'never'`, reaching the same broker as
   * `createTransport`. Enables the `provisioning.*` scenarios; without it they are skipped.
   */
  createNonProvisioningTransport?: () => Transport | Promise<Transport>;

  /**
   * Scenarios to skip, each with the reason, printed in the test title. For known gaps of an
   * emulator, not for missing features: a feature the transport lacks is declared in its
   * `capabilities`, and the suite skips what those rule out by itself.
   *
   * ```ts
   * skip: { 'ordering.keys-in-parallel': 'the emulator delivers one ordering key at a time' }
   * ```
   */
  skip?: Partial<Record<ScenarioId, string>>;

  /**
   * Multiplies every wait (timeouts, quiet periods, per-test time limits) for slow brokers and
   * emulators. Never changes the semantics: delays asked for are not scaled.
   * @default 1
   */
  timeScale?: number;

  /**
   * Returns the broker's own client (not Omnibus), reaching the same broker. Enables the
   * `interop.*` scenarios (foreign CloudEvents, raw JSON and garbage sent with the native client;
   * Omnibus messages read with it and turned into a CloudEvent); without it they are skipped.
   */
  createNativeClient?: () => NativeClient | Promise<NativeClient>;

  /** Where the buses under test log. @default nothing is logged */
  logger?: Logger;
}
