/**
 * Headers core adds to a dead-lettered message, so anyone reading the dead-letter queue can see
 * why it is there. Every transport's dead letters carry exactly these.
 */
export const FailureHeader = {
  /** `<error name>: <error message>` of the last failure. */
  error: 'omnibus-error',
  /** The queue (or `topic/subscription`) the message failed on. */
  failedQueue: 'omnibus-failed-queue',
  /** RFC 3339 time of the failure. */
  failedAt: 'omnibus-failed-at',
  /** How many attempts were made, as a decimal string. */
  attempts: 'omnibus-attempts',
} as const;
