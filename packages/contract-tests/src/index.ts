/**
 * @omnibus/contract-tests — the conformance suite every Omnibus transport runs. A transport package
 * calls `runTransportContract({ name, createTransport })` from one of its vitest files.
 */
export { runTransportContract } from './run-transport-contract.js';
export type { TransportContractOptions } from './transport-contract-options.js';
export type { NativeClient, NativeMessage, ReceivedNativeMessage } from './native-client.js';
export { scenarioIds, type ScenarioId } from './scenario-ids.js';
export {
  collect,
  createGate,
  createMeter,
  uniqueId,
  uniqueName,
  waitFor,
  type Arrival,
  type Collector,
  type Gate,
  type Meter,
} from './harness.js';
export {
  idempotencyStoreContract,
  type IdempotencyStoreContractOptions,
  type IdempotencyStoreTestId,
} from './idempotency-store-contract.js';
export {
  runDuplicateStorm,
  type DuplicateStormContext,
  type DuplicateStormOptions,
  type DuplicateStormOutcome,
} from './duplicate-storm.js';
export { serviceUnavailable, type ServiceCheck } from './service-unavailable.js';
export { startSecretLeakProbe, type SecretLeakProbe } from './secret-leak-probe.js';
