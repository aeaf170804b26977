import {
  ConfigurationError,
  ConnectionError,
  MessageTooLargeError,
  OmnibusError,
  UnsupportedFeatureError,
} from '@omnibus/core';
import { redactSecrets, isNetworkErrorCode } from '@omnibus/core/transport';

const transport = 'aws';

const MISSING = /NonExistentQueue|QueueDoesNotExist|NotFound|ResourceNotFound/i;
const DENIED =
  /AccessDenied|AuthorizationError|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|CredentialsProviderError|InvalidSignature/i;
const THROTTLED = /Throttl|RequestThrottled|TooManyRequests|ServiceUnavailable|InternalError|KmsThrottled/i;

/**
 * Turns an AWS SDK error into an `OmnibusError` (keeping the SDK error as `cause`). `doing` says
 * what was attempted, e.g. `sending to queue 'orders'`. The one place SDK errors are interpreted.
 */
export function mapAwsError(error: unknown, doing: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const sdk = error as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = String(sdk?.Code ?? sdk?.name ?? 'Error');
  const message = redactSecrets(String(sdk?.message ?? error));
  const status = sdk?.$metadata?.httpStatusCode;
  const detail = `${name}: ${message}`;
  if (/too long|must be shorter|BatchRequestTooLong/i.test(message)) {
    const limit = /shorter than (\d+)/.exec(message);
    return new MessageTooLargeError(Number.NaN, limit ? Number(limit[1]) : 262_144, {
      transport,
      cause: error,
    });
  }
  if (/Region is missing|Could not load credentials|CredentialsProviderError/i.test(`${name} ${message}`)) {
    return new ConfigurationError(
      `The AWS SDK found no ${/Region/i.test(message) ? 'region' : 'credentials'} while ${doing}: set the region in the URL or options (or AWS_REGION), and credentials through the default provider chain.`,
      { transport, cause: error },
    );
  }
  if (MISSING.test(name)) {
    return new ConfigurationError(`AWS has no such resource while ${doing} (${detail}).`, {
      transport,
      cause: error,
    });
  }
  if (DENIED.test(name) || status === 403) {
    return new ConfigurationError(
      `AWS refused the credentials or permissions while ${doing} (${detail}). Check the credentials in the default provider chain and the IAM actions listed in the AWS transport docs.`,
      { transport, cause: error },
    );
  }
  if (/UnsupportedOperation|InvalidAction/i.test(name)) {
    return new UnsupportedFeatureError(doing, detail, { transport, cause: error });
  }
  const code = String(sdk?.code ?? '');
  if (
    isNetworkErrorCode(code) ||
    /TimeoutError|socket|ECONN|fetch failed/i.test(`${name} ${message}`) ||
    THROTTLED.test(name) ||
    (status !== undefined && status >= 500)
  ) {
    return new ConnectionError(`AWS could not be reached while ${doing} (${detail}).`, {
      transport,
      cause: error,
    });
  }
  if (
    /InvalidParameter|Validation|InvalidAttribute|MissingParameter|QueueNameExists|InvalidEventPattern/i.test(
      name,
    )
  ) {
    return new ConfigurationError(`AWS rejected a request while ${doing} (${detail}).`, {
      transport,
      cause: error,
    });
  }
  return new ConnectionError(`AWS failed while ${doing} (${detail}).`, {
    transport,
    cause: error,
    retryable: status === undefined || status >= 500,
  });
}
