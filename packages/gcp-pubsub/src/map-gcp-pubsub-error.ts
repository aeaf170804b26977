import { ConfigurationError, ConnectionError, InvalidMessageError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'gcp-pubsub';

/** gRPC status codes the Pub/Sub client reports in `error.code`. */
export const GrpcStatus = {
  cancelled: 1,
  unknown: 2,
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
} as const;

const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/** Socket error codes (from a connect probe) that mean the endpoint cannot be reached. */
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The longest SDK detail kept in a message; the whole SDK error stays in `cause`. */
const MAX_DETAIL_LENGTH = 300;

/** The gRPC status of an SDK error, if it has one. */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** What was being done when the error happened, to say so in the message. */
export interface PubSubErrorContext {
  /** The operation, e.g. `publishing to topic 'orders'`. */
  readonly action: string;
  /** `host:port` of the emulator when the client talks to one, for the hint of unreachable errors. */
  readonly emulatorHost?: string | undefined;
}

/**
 * Turns an error of `@google-cloud/pubsub` (or gRPC / google-gax / a connect probe underneath)
 * into an Omnibus error: one short message with the operation, the gRPC status name, the gist of
 * the SDK message and what to do. The SDK error, with its full retry history, stays as `cause`.
 */
export function mapGcpPubSubError(error: unknown, context: PubSubErrorContext): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const { action } = context;
  const code = grpcCode(error);
  const detail = `${code === undefined ? '' : `${STATUS_NAMES[code] ?? `status ${code}`}: `}${summarize(error)}`;
  const options = { cause: error, transport: TRANSPORT };
  switch (code) {
    case GrpcStatus.notFound:
      return new ConfigurationError(
        `Pub/Sub: not found while ${action} (${detail}). Create it, or use provision: 'auto'.`,
        options,
      );
    case GrpcStatus.permissionDenied:
    case GrpcStatus.unauthenticated:
      return new ConfigurationError(
        `Pub/Sub refused ${action} (${detail}). Check the credentials (Application Default Credentials) and the IAM roles listed in the gcp-pubsub transport docs.`,
        options,
      );
    case GrpcStatus.invalidArgument:
    case GrpcStatus.failedPrecondition:
      return action.startsWith('publishing')
        ? new InvalidMessageError(`Pub/Sub rejected a message while ${action} (${detail}).`, options)
        : new ConfigurationError(`Pub/Sub rejected ${action} (${detail}).`, options);
    case GrpcStatus.resourceExhausted:
      return new ConnectionError(
        `Pub/Sub was over a quota or limit while ${action} (${detail}). Retry later, or raise the quota.`,
        { ...options, retryable: true },
      );
    case GrpcStatus.deadlineExceeded:
    case GrpcStatus.aborted:
    case GrpcStatus.internal:
    case GrpcStatus.unavailable:
    case GrpcStatus.cancelled:
    case GrpcStatus.unknown:
      return unreachable(action, detail, context.emulatorHost, options);
    case undefined:
      if (UNREACHABLE_SOCKET_CODES.has(String((error as { code?: unknown } | null)?.code))) {
        return unreachable(action, detail, context.emulatorHost, options);
      }
      return new ConnectionError(`Pub/Sub failed while ${action} (${detail}).`, {
        ...options,
        retryable: false,
      });
    default:
      return new ConnectionError(`Pub/Sub failed while ${action} (${detail}).`, {
        ...options,
        retryable: false,
      });
  }
}

function unreachable(
  action: string,
  detail: string,
  emulatorHost: string | undefined,
  options: { cause: unknown; transport: string },
): ConnectionError {
  const hint = emulatorHost
    ? `Is the Pub/Sub emulator running at ${emulatorHost}? Start it with: gcloud beta emulators pubsub start --host-port=${emulatorHost}`
    : 'Check that this machine can reach the Pub/Sub endpoint (network, proxy, firewall), then retry.';
  return new ConnectionError(`Pub/Sub was not reachable while ${action} (${detail}). ${hint}`, {
    ...options,
    retryable: true,
  });
}

/**
 * The gist of an SDK error in one line. google-gax's retry timeout repeats every earlier attempt
 * ("Previous errors: [...]", dozens of times); keep the last error and how long it retried.
 */
function summarize(error: unknown): string {
  if (!(error instanceof Error)) return cap(redactSecrets(String(error)));
  let text = firstLine(error.message.split(' : Previous errors')[0] ?? '');
  const retried =
    /^Total timeout of API \S+ exceeded (\d+) milliseconds retrying error (?:Error: )?(.*?)\s*(?:before any response was received\.?)?$/.exec(
      text,
    );
  if (retried) text = `gave up after retrying for ${Number(retried[1]) / 1000} s; last error: ${retried[2]}`;
  else {
    // A plain gRPC error reads "14 UNAVAILABLE: text", and `details` is that text alone.
    const details = (error as { details?: unknown }).details;
    if (typeof details === 'string' && details !== '') text = firstLine(details);
  }
  text = text
    .replace(/\.?\s*Resolution note:\s*(?=$|[.;,])/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cap(redactSecrets(text === '' ? error.name : text));
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function cap(text: string): string {
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…` : text;
}
