import type { ConsumerDefinition } from '@omnibus/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { fromWire } from '../wire-envelope.js';
import { createAsyncInvocationRunner } from './async-invocation.js';
import type { AsyncLambdaEntryOptions } from './lambda-options.js';
import { checkDefinition } from './sqs-handler.js';

/** A Lambda handler for events delivered by an EventBridge rule. */
export type EventBridgeHandler = (event: EventBridgeEvent<string, unknown>) => Promise<void>;

/**
 * A Lambda function handler that is the target of an EventBridge rule, running each event through
 * the handler the rule's target queue would run (`definition` names that queue). An event emitted by
 * an Omnibus bus carries its envelope in `detail`, so the handler sees the same message (id, type,
 * source, headers, correlation) as a consumer of the queue; an event of any other producer is read
 * as an EventBridge event by core's envelope recognition. Retries and dead letters: see
 * `createAsyncInvocationRunner`.
 */
export function createEventBridgeHandler<T>(
  definition: ConsumerDefinition<T>,
  options: AsyncLambdaEntryOptions,
): EventBridgeHandler {
  checkDefinition(definition, 'createEventBridgeHandler');
  const run = createAsyncInvocationRunner(definition, options);
  return async (event) => {
    // An Omnibus event's detail is unwrapped by the wire reader; any other event is handed over
    // whole, in the shape core recognises (`detail-type`, `source`, `detail`).
    const detail = event?.detail;
    const body = JSON.stringify(
      detail !== null && typeof detail === 'object' && '~omnibus' in detail ? detail : event,
    );
    await run([{ message: fromWire(body, undefined, String(event?.id ?? '')), raw: event }]);
  };
}
