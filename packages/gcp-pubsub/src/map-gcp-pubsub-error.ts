import {
  ConfigurationError,
  ConnectionError,
  InvalidMessageError,
  OmnibusError,
  redactSecrets,
} from '@omnibus/core';

const TRANSPORT = 'gcp-pubsub';

/** gRPC status codes the Pub/Sub client reports in `error.code`. */
export const GrpcStatus = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
  cancelled: 1,
  unknown: 2,
} as const;

/** The gRPC status of an SDK error, if it has one. */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Turns an error of `@google-cloud/pubsub` (or gRPC / google-auth underneath) into an Omnibus
 * error that says what was being done, keeping the original as `cause`. `what` describes the
 * operation, e.g. `publishing to topic 'orders'`.
 */
export function mapGcpPubSubError(error: unknown, what: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const detail = redactSecrets(describe(error));
  const options = { cause: error, transport: TRANSPORT };
  switch (grpcCode(error)) {
    case GrpcStatus.notFound:
      return new ConfigurationError(
        `Pub/Sub: not found while ${what} (${detail}). Create it, or use provision: 'auto'.`,
        options,
      );
    case GrpcStatus.permissionDenied:
    case GrpcStatus.unauthenticated:
      return new ConfigurationError(
        `Pub/Sub refused ${what}: ${detail}. Check the credentials (Application Default Credentials) and the IAM roles listed in the gcp-pubsub transport docs.`,
        options,
      );
    case GrpcStatus.invalidArgument:
    case GrpcStatus.failedPrecondition:
      return what.startsWith('publishing')
        ? new InvalidMessageError(`Pub/Sub rejected a message while ${what}: ${detail}`, options)
        : new ConfigurationError(`Pub/Sub rejected ${what}: ${detail}`, options);
    case GrpcStatus.deadlineExceeded:
    case GrpcStatus.resourceExhausted:
    case GrpcStatus.aborted:
    case GrpcStatus.internal:
    case GrpcStatus.unavailable:
    case GrpcStatus.cancelled:
    case GrpcStatus.unknown:
      return new ConnectionError(`Pub/Sub was not reachable while ${what}: ${detail}`, {
        ...options,
        retryable: true,
      });
    default:
      return new ConnectionError(`Pub/Sub failed while ${what}: ${detail}`, { ...options, retryable: false });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const details = (error as { details?: unknown }).details;
    return typeof details === 'string' && details !== '' ? details : error.message;
  }
  return String(error);
}
