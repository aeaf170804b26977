import { buildTargetInput, type EventEnvelope } from './build-target-input.js';
import type { StoredTarget } from './eventbridge-state.js';
import type { TargetSender } from './send-to-target.js';

/** One matched (event, rule, target) triple waiting to be delivered. */
export interface DeliveryRequest {
  event: EventEnvelope;
  ruleArn: string;
  ruleName: string;
  /** A snapshot: a target changed after PutEvents does not change this delivery. */
  target: StoredTarget;
  ingestionTime: string;
}

/** The outcome of one delivery attempt, kept in order of completion. */
export interface DeliveryRecord {
  eventId: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  /** What the target was sent (or would have been, for a failure after building it). */
  body?: string;
  outcome: 'delivered' | 'failed';
  /** Why it failed; only for `failed`. */
  reason?: string;
}

/**
 * Runs deliveries in the background and keeps their outcomes. There is no retry: a failed delivery
 * is recorded once (AWS retries for up to 24 hours), so tests see failures at once instead of hanging.
 */
export interface DeliveryTracker {
  deliver(request: DeliveryRequest): void;
  /** Resolves once no delivery is in flight, including ones started while waiting. */
  idle(): Promise<void>;
  readonly records: DeliveryRecord[];
}

export function createDeliveryTracker(sender: TargetSender): DeliveryTracker {
  const records: DeliveryRecord[] = [];
  let pending = 0;
  let waiters: (() => void)[] = [];

  const settle = () => {
    pending--;
    if (pending === 0) {
      const ready = waiters;
      waiters = [];
      for (const wake of ready) wake();
    }
  };

  const run = async (request: DeliveryRequest) => {
    const base = {
      eventId: request.event.id,
      ruleArn: request.ruleArn,
      targetId: request.target.Id,
      targetArn: request.target.Arn,
    };
    let body: string | undefined;
    try {
      body = buildTargetInput(request.target, request.event, request);
      await sender.send(request.target, body, request.event.id);
      records.push({ ...base, body, outcome: 'delivered' });
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      records.push({ ...base, ...(body === undefined ? {} : { body }), outcome: 'failed', reason });
    }
  };

  return {
    records,
    deliver(request) {
      pending++;
      // Start on a later tick so PutEvents has answered before any target sees the event.
      setImmediate(() => {
        run(request).finally(settle);
      });
    },
    idle() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
