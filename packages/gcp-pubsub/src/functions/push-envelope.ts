import { DecodeError } from '@omnibus/core';

/**
 * The JSON body of a Pub/Sub push request (the "wrapped" payload, Pub/Sub's default), and the
 * `data` of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent.
 */
export interface PubSubPushEnvelope {
  readonly message: {
    /** The payload, base64. Absent for a message of attributes only. */
    readonly data?: string;
    readonly attributes?: Readonly<Record<string, string>>;
    readonly messageId: string;
    readonly publishTime?: string;
    readonly orderingKey?: string;
  };
  /** `projects/<project>/subscriptions/<id>`. */
  readonly subscription: string;
  /** Deliveries so far, this one included; set only on subscriptions with a dead-letter policy. */
  readonly deliveryAttempt?: number;
}

/**
 * Checks that `body` is a push envelope and returns it. Anything else is a `DecodeError` (the
 * request came from something other than a wrapped push subscription, or was cut off).
 */
export function readPushEnvelope(body: unknown): PubSubPushEnvelope {
  const problem = describeProblem(body);
  if (problem) throw new DecodeError(`Not a Pub/Sub push envelope: ${problem}.`, { transport: 'gcp-pubsub' });
  return body as PubSubPushEnvelope;
}

function describeProblem(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return 'the body is not a JSON object';
  const { message, subscription, deliveryAttempt } = body as Record<string, unknown>;
  if (typeof subscription !== 'string' || !subscription.includes('/subscriptions/'))
    return '"subscription" is not a subscription path';
  if (message === null || typeof message !== 'object') return '"message" is missing';
  const { messageId, data, attributes } = message as Record<string, unknown>;
  if (typeof messageId !== 'string' || messageId === '') return '"message.messageId" is missing';
  if (data !== undefined && typeof data !== 'string') return '"message.data" is not a base64 string';
  if (attributes !== undefined && (attributes === null || typeof attributes !== 'object'))
    return '"message.attributes" is not an object';
  if (deliveryAttempt !== undefined && typeof deliveryAttempt !== 'number')
    return '"deliveryAttempt" is not a number';
  return undefined;
}

/** `projects/p/subscriptions/s` → `projects/p/topics/s.dlq`: the dead-letter topic the transport uses. */
export function deadLetterTopicOf(subscriptionPath: string, suffix: string): string {
  return `${subscriptionPath.replace('/subscriptions/', '/topics/')}${suffix}`;
}
