export { OmnibusError, type OmnibusErrorCode, type OmnibusErrorOptions } from './omnibus-error.js';
export {
  ClosedError,
  ConfigurationError,
  ConnectionError,
  DecodeError,
  DuplicateInProgressError,
  IdempotencyConflictError,
  InvalidMessageError,
  InvocationFailedError,
  InvalidPatternError,
  MessageTooLargeError,
  PermanentError,
  TransportNotInstalledError,
  UnsupportedFeatureError,
} from './named-errors.js';
