import { SQSClient } from '@aws-sdk/client-sqs';
import { type Bus, type ConsumerDefinition, InvocationFailedError } from '@omnibus/core';
import { type Delivery, type EncodedMessage, type FailureInfo, withHeaders } from '@omnibus/core/transport';
import { sendToQueue } from '../sqs-producer.js';
import type { AsyncLambdaEntryOptions } from './lambda-options.js';

/**
 * Runs the messages of one asynchronous invocation (SNS, EventBridge) through the runtime of
 * `definition`. Lambda's asynchronous invocations carry no delivery count, so each message is
 * attempt 1 and a retry is a failed invocation: Lambda retries it (`MaximumRetryAttempts`, at most
 * 2) and then hands it to the function's on-failure destination. A dead letter goes to
 * `deadLetterQueueUrl` with the failure headers when one is set, else it also fails the invocation.
 * Resolves when every message was handled or dead-lettered; rejects otherwise.
 */
export function createAsyncInvocationRunner<T>(
  definition: ConsumerDefinition<T>,
  options: AsyncLambdaEntryOptions,
) {
  let sqs = options.sqs;
  return async (messages: readonly { message: EncodedMessage; raw: unknown }[]): Promise<void> => {
    const bus: Bus = await options.bus;
    const failures: string[] = [];
    await Promise.all(
      messages.map(async ({ message, raw }) => {
        let done = false;
        const delivery: Delivery = {
          message,
          attempt: 1,
          raw,
          async ack() {
            done = true;
          },
          async retry() {
            failures.push(`message ${message.id} asked for a retry`);
          },
          async deadLetter(failure: FailureInfo) {
            if (!options.deadLetterQueueUrl) {
              failures.push(`message ${message.id} failed for good: ${failure.reason}`);
              return;
            }
            sqs ??= new SQSClient({});
            await sendToQueue(sqs, options.deadLetterQueueUrl, [withHeaders(message, failure.headers)], {
              fifo: options.deadLetterQueueUrl.endsWith('.fifo'),
              label: 'the dead-letter queue',
            });
            done = true;
          },
        };
        await bus.handleDelivery(definition, delivery);
        if (!done && failures.length === 0) failures.push(`message ${message.id} was not settled`);
      }),
    );
    if (failures.length > 0) {
      throw new InvocationFailedError(failures, messages.length, { transport: 'aws' });
    }
  };
}
