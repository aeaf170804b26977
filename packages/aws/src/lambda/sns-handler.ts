import type { ConsumerDefinition } from '@omnibus/core';
import type { SNSEvent, SNSMessageAttributes } from 'aws-lambda';
import { fromWire } from '../wire-envelope.js';
import { createAsyncInvocationRunner } from './async-invocation.js';
import type { AsyncLambdaEntryOptions } from './lambda-options.js';
import { checkDefinition } from './sqs-handler.js';

/** A Lambda handler for SNS notifications. */
export type SnsHandler = (event: SNSEvent) => Promise<void>;

/**
 * A Lambda function handler subscribed to an SNS topic (the `Publish` of `bus.topic(name)`), running
 * each notification through the same runtime as `topic.subscribe(definition)`. The message id,
 * type, headers, correlation and causation are read from the notification's message attributes,
 * the data from its body, exactly as a subscription queue receives them. Retries and dead letters:
 * see `createAsyncInvocationRunner` — Lambda's asynchronous retries are the retry budget, a
 * `PermanentError` goes to `deadLetterQueueUrl` at once.
 */
export function createSnsHandler<T>(
  definition: ConsumerDefinition<T>,
  options: AsyncLambdaEntryOptions,
): SnsHandler {
  checkDefinition(definition, 'createSnsHandler');
  const run = createAsyncInvocationRunner(definition, options);
  return async (event) => {
    await run(
      (event?.Records ?? []).map((record) => ({
        message: fromWire(
          record.Sns?.Message ?? '',
          toWireAttributes(record.Sns?.MessageAttributes),
          record.Sns?.MessageId ?? '',
        ),
        raw: record,
      })),
    );
  };
}

/** SNS to Lambda spells attributes `{ Type, Value }`; the wire reader wants `StringValue`. */
function toWireAttributes(
  attributes: SNSMessageAttributes | undefined,
): Record<string, { StringValue?: string }> {
  const wire: Record<string, { StringValue?: string }> = {};
  if (!attributes) return wire;
  for (const name of Object.keys(attributes)) {
    const attribute = attributes[name];
    if (attribute && attribute.Type === 'String' && typeof attribute.Value === 'string')
      wire[name] = { StringValue: attribute.Value };
  }
  return wire;
}
