/**
 * AMQP error conditions Service Bus uses, each with the `$management` status code that goes with
 * it. The SDK maps these conditions to its own error codes (`MessageLockLost`,
 * `MessagingEntityNotFound`, …), so the strings must be exact.
 */
export const faultConditions = {
  entityNotFound: { condition: 'amqp:not-found', statusCode: 404 },
  messageNotFound: { condition: 'com.microsoft:message-not-found', statusCode: 404 },
  messageLockLost: { condition: 'com.microsoft:message-lock-lost', statusCode: 410 },
  sessionLockLost: { condition: 'com.microsoft:session-lock-lost', statusCode: 410 },
  sessionCannotBeLocked: { condition: 'com.microsoft:session-cannot-be-locked', statusCode: 410 },
  entityAlreadyExists: { condition: 'com.microsoft:entity-already-exists', statusCode: 409 },
  argumentError: { condition: 'com.microsoft:argument-error', statusCode: 400 },
  timeout: { condition: 'com.microsoft:timeout', statusCode: 408 },
  messageSizeExceeded: { condition: 'amqp:link:message-size-exceeded', statusCode: 413 },
  notImplemented: { condition: 'amqp:not-implemented', statusCode: 501 },
} as const;

export type FaultKind = keyof typeof faultConditions;

/** A broker-side failure that goes back to the client as an AMQP error or a `$management` status. */
export class ServiceBusFault extends Error {
  readonly condition: string;
  readonly statusCode: number;

  constructor(kind: FaultKind, description: string) {
    super(description);
    this.name = 'ServiceBusFault';
    this.condition = faultConditions[kind].condition;
    this.statusCode = faultConditions[kind].statusCode;
  }

  /** The AMQP `error` shape rhea sends in a detach or a rejected outcome. */
  toAmqpError(): { condition: string; description: string } {
    return { condition: this.condition, description: this.message };
  }
}
