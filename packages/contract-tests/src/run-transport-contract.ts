import { describe, expect, it } from 'vitest';
import { createScenarioDefiner } from './scenario.js';
import { type ScenarioId, scenarioIds } from './scenario-ids.js';
import { batchSuite } from './suites/batch.js';
import { capabilityHonestySuite } from './suites/capability-honesty.js';
import { contextSuite } from './suites/context.js';
import { deadLetterSuite } from './suites/dead-letter.js';
import { deadLetterManagementSuite } from './suites/dead-letter-management.js';
import { delaySuite } from './suites/delay.js';
import { hostileHeadersSuite } from './suites/hostile-headers.js';
import { idempotencySuite } from './suites/idempotency.js';
import { interopSuite } from './suites/interop.js';
import { lifecycleSuite } from './suites/lifecycle.js';
import { limitsSuite } from './suites/limits.js';
import { orderingSuite } from './suites/ordering.js';
import { provisioningSuite } from './suites/provisioning.js';
import { queueSuite } from './suites/queue.js';
import { retrySuite } from './suites/retry.js';
import { ruleSuite } from './suites/rules.js';
import { telemetrySuite } from './suites/telemetry.js';
import { topicSuite } from './suites/topics.js';
import type { TransportContractOptions } from './transport-contract-options.js';

/**
 * Registers the Omnibus transport conformance suite with vitest. Call it at the top level of a test
 * file in the transport's package:
 *
 * ```ts
 * import { runTransportContract } from '@omnibus/contract-tests';
 * import { createRabbitMqTransport } from '../src/index.js';
 *
 * runTransportContract({
 *   name: 'rabbitmq',
 *   createTransport: () => createRabbitMqTransport({ url: 'amqp://guest:guest@127.0.0.1:5672' }),
 * });
 * ```
 *
 * Each scenario opens its own buses on fresh transports, uses names no other scenario uses, and
 * closes everything it opened, so scenarios may run concurrently against one broker. Scenarios a
 * transport's capabilities rule out are skipped with the capability as the reason.
 */
export function runTransportContract(options: TransportContractOptions): void {
  checkOptions(options);
  const skip: Partial<Record<ScenarioId, string>> = { ...options.skip };
  if (!options.createNonProvisioningTransport) {
    for (const id of scenarioIds) {
      if (id.startsWith('provisioning.')) skip[id] ??= 'no createNonProvisioningTransport was given';
    }
  }
  if (!options.createNativeClient) {
    for (const id of scenarioIds) {
      if (id.startsWith('interop.')) skip[id] ??= 'no createNativeClient was given';
    }
  }
  const registered = new Set<ScenarioId>();
  const scenario = createScenarioDefiner({ ...options, skip }, registered);

  describe(`Omnibus transport contract: ${options.name}`, () => {
    queueSuite(scenario);
    retrySuite(scenario);
    deadLetterSuite(scenario);
    deadLetterManagementSuite(scenario);
    topicSuite(scenario);
    ruleSuite(scenario);
    delaySuite(scenario);
    orderingSuite(scenario);
    limitsSuite(scenario);
    lifecycleSuite(scenario);
    idempotencySuite(scenario);
    batchSuite(scenario);
    contextSuite(scenario);
    capabilityHonestySuite(scenario);
    provisioningSuite(scenario);
    interopSuite(scenario, options);
    telemetrySuite(scenario);
    // Hostile input (what arrives from foreign producers and careless callers): one suite per
    // suites/hostile-*.ts file, all under the `hostile.` ids.
    describe('hostile', () => {
      hostileHeadersSuite(scenario, options);
    });

    // A self-check of the suite, not of the transport: the exported id list (which `skip` is typed
    // against) must name exactly the scenarios registered. It runs after collection, when every
    // nested suite has registered.
    it('registers every scenario it lists in scenarioIds', () => {
      expect(scenarioIds.filter((id) => !registered.has(id))).toEqual([]);
    });
  });
}

function checkOptions(options: TransportContractOptions): void {
  if (!options || typeof options.createTransport !== 'function') {
    throw new TypeError('runTransportContract needs { name, createTransport: () => Transport }.');
  }
  if (typeof options.name !== 'string' || options.name === '') {
    throw new TypeError('runTransportContract needs a non-empty name, e.g. { name: "rabbitmq" }.');
  }
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new TypeError(`timeScale must be a positive number; got ${String(options.timeScale)}.`);
  }
  const known = new Set<string>(scenarioIds);
  for (const [id, reason] of Object.entries(options.skip ?? {})) {
    if (!known.has(id))
      throw new TypeError(`skip names an unknown scenario '${id}'. Known ids are exported as scenarioIds.`);
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new TypeError(`skip['${id}'] must be a reason string saying why the scenario is skipped.`);
    }
  }
}
