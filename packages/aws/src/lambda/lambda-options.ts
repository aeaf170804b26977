import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Bus } from '@omnibus/core';

/** What every Lambda entry point takes besides the consumer definition. */
export interface LambdaEntryOptions {
  /**
   * The bus handlers send, publish and emit through. Create it at module scope (a promise is fine,
   * e.g. `createBus('aws://')` without `await`), so warm invocations reuse it and its connections.
   */
  bus: Bus | Promise<Bus>;
  /**
   * The SQS client the entry point settles with (visibility changes, dead-letter sends). Default: a
   * client built once per function instance from the environment (`AWS_REGION` is set by Lambda).
   */
  sqs?: SQSClient;
}

/** Options of `createSnsHandler` and `createEventBridgeHandler`. */
export interface AsyncLambdaEntryOptions extends LambdaEntryOptions {
  /**
   * Where a message the runtime dead-letters goes (a `PermanentError`, an undecodable message, the
   * last attempt), with the failure headers: an SQS queue URL, for example the dead-letter queue of
   * the queue or subscription the definition names. Without it, such an invocation fails, and
   * Lambda's asynchronous retries and then the function's on-failure destination take the event.
   */
  deadLetterQueueUrl?: string;
}
