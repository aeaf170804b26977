import { it } from 'vitest';
import type { ScenarioId } from './scenario-ids.js';
import { createScope, type Scope } from './scope.js';
import type { TransportContractOptions } from './transport-contract-options.js';

/** The body of one scenario. Everything it opens through `scope` is closed when it ends. */
export type ScenarioBody = (scope: Scope) => Promise<void>;

/** Registers one scenario as a vitest test titled `<title> [<id>]`. */
export type DefineScenario = (id: ScenarioId, title: string, body: ScenarioBody) => void;

const BASE_TEST_TIMEOUT_MS = 30_000;

/**
 * Returns the function suites register their scenarios with. A scenario named in `options.skip`
 * is registered as skipped with its reason in the title; every registered id is recorded in
 * `registered` so the runner can check that the list of ids and the suites agree.
 */
export function createScenarioDefiner(
  options: TransportContractOptions,
  registered: Set<ScenarioId>,
): DefineScenario {
  const timeout = BASE_TEST_TIMEOUT_MS * (options.timeScale ?? 1);
  return (id, title, body) => {
    if (registered.has(id)) throw new Error(`Scenario id '${id}' is registered twice.`);
    registered.add(id);
    const label = `${title} [${id}]`;
    const reason = options.skip?.[id];
    if (reason !== undefined) {
      it.skip(`${label} (skipped: ${reason})`, () => {});
      return;
    }
    it(
      label,
      async (context) => {
        const scope = createScope(options, (why) => context.skip(why));
        let failed = true;
        try {
          await body(scope);
          failed = false;
        } finally {
          // A cleanup failure fails a passing scenario, but never hides the scenario's own failure.
          await scope.dispose().catch((error: unknown) => {
            if (!failed) throw error;
          });
        }
      },
      timeout,
    );
  };
}
