import type { EmulatorClock } from './emulator-clock.js';
import type { EventBridgeState } from './eventbridge-state.js';
import type { RequestParams } from './request-params.js';
import type { DeliveryRequest } from './delivery-tracker.js';

/** What an operation handler may touch. */
export interface OperationContext {
  readonly state: EventBridgeState;
  readonly clock: EmulatorClock;
  /** Hands matched events to the delivery side; never waits for delivery (PutEvents returns first). */
  deliver(request: DeliveryRequest): void;
  /** Access key ids that stand for AWS services: only they may put events with an `aws.*` source. */
  readonly serviceAccessKeyIds: ReadonlySet<string>;
  /** The access key id the request was signed with (SigV4 `Credential=`), when it was signed. */
  readonly callerAccessKeyId?: string;
}

/**
 * One `AWSEvents.<Operation>`: reads its request, returns the JSON response body, or throws an
 * `EventBridgeError`.
 */
export type Operation = (params: RequestParams, context: OperationContext) => unknown;
