import type { ServiceBusAdministration } from './service-bus-administration.js';

/**
 * The entity-creation part of `@omnibus/servicebus-emulator`'s API, written out so that this
 * package does not depend on the emulator at run time.
 */
export interface EmulatorEntityApi {
  createQueue(name: string, options?: Record<string, unknown>): void;
  createTopic(name: string): void;
  createSubscription(topic: string, name: string, options?: Record<string, unknown>): void;
}

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
export function emulatorAdministration(emulator: EmulatorEntityApi): ServiceBusAdministration {
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
