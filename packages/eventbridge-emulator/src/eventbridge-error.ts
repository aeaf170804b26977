/**
 * An error the emulator answers with, shaped as AWS JSON 1.1 expects (`__type` + `message`), so the
 * real SDK raises its named exception class (`ResourceNotFoundException`, ...).
 */
export class EventBridgeError extends Error {
  /** The AWS error code, sent as `__type`. */
  readonly type: EventBridgeErrorType;
  /** HTTP status. EventBridge answers client errors with 400 and its own faults with 500. */
  readonly status: number;

  constructor(
    type: EventBridgeErrorType,
    message: string,
    status = type === 'InternalException' ? 500 : 400,
  ) {
    super(message);
    this.name = 'EventBridgeError';
    this.type = type;
    this.status = status;
  }
}

/**
 * The error codes the emulator produces. The SDK raises a named class for the modelled ones
 * (`ResourceNotFoundException`, ...); `ValidationException` is not modelled, so, as against AWS, it
 * arrives as `EventBridgeServiceException` with `name: 'ValidationException'`.
 */
export type EventBridgeErrorType =
  | 'ResourceNotFoundException'
  | 'ResourceAlreadyExistsException'
  | 'InvalidEventPatternException'
  | 'ValidationException'
  | 'LimitExceededException'
  | 'InternalException'
  // Not modelled by the SDK, but what AWS answers for an unknown target or a malformed body.
  | 'UnknownOperationException'
  | 'SerializationException';
