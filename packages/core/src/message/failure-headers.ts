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
  /**
   * RFC 3339 time the message was first dead-lettered. Set when a dead letter is redriven, so that
   * if it fails again its new dead letter still says when the trouble began.
   */
  firstFailedAt: 'omnibus-first-failed-at',
  /** How many times the message was redriven from a dead-letter queue, as a decimal string. */
  redriven: 'omnibus-redriven',
} as const;
