import type { ServiceBusEmulator } from '@omnibus/servicebus-emulator';
import type { ServiceBusAdministration } from '../src/index.js';

/** A create that tolerates "already exists", like the ATOM API's 409. */
function idempotent(create: () => void): Promise<void> {
  try {
    create();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) return Promise.reject(error);
  }
  return Promise.resolve();
}

/**
 * Administration over the in-repo emulator's programmatic API, standing in for the HTTPS/ATOM
 * administration client the emulator does not serve. The emulator cannot delete subscriptions, so
 * retired rule subscriptions are emptied of rules instead (the transport's documented fallback).
 */
export function emulatorAdministration(emulator: ServiceBusEmulator): ServiceBusAdministration {
  return {
    ensureQueue: (name, spec) =>
      idempotent(() =>
        emulator.createQueue(name, {
          requiresSession: spec.requiresSession,
          maxDeliveryCount: spec.maxDeliveryCount,
          lockDurationMs: spec.lockDurationMs,
        }),
      ),
    ensureTopic: (name) => idempotent(() => emulator.createTopic(name)),
    ensureSubscription: (topic, name, spec) =>
      idempotent(() =>
        emulator.createSubscription(topic, name, {
          maxDeliveryCount: spec.maxDeliveryCount,
          lockDurationMs: spec.lockDurationMs,
          ...(spec.requiresSession ? { requiresSession: true } : {}),
          ...(spec.forwardTo ? { forwardTo: spec.forwardTo } : {}),
          ...(spec.rule ? { rules: [{ name: spec.rule.name, filter: { ...spec.rule.filter } }] } : {}),
        }),
      ),
  };
}
