import { ConfigurationError, ConnectionError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'dynamodb';

/**
 * Turns an AWS SDK error into an `OmnibusError`, keeping it as `cause`:
 * - a missing table, a key schema that does not match, and refused credentials or permissions are
 *   `ConfigurationError`s (retrying does not help);
 * - throttling, service errors and network failures are retryable `ConnectionError`s.
 */
export function mapDynamoDbError(error: unknown, action: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const detail = redactSecrets(error instanceof Error ? error.message : String(error));
  if (name === 'ResourceNotFoundException') {
    return new ConfigurationError(
      `While ${action}: the table does not exist (${detail}). Create it (see createTable()) or fix tableName.`,
      { cause: error, transport: TRANSPORT },
    );
  }
  if (
    name === 'ValidationException' ||
    /AccessDenied|UnrecognizedClient|InvalidSignature|MissingAuthenticationToken|ExpiredToken/.test(name)
  ) {
    return new ConfigurationError(`While ${action}: DynamoDB refused the request: ${name}: ${detail}`, {
      cause: error,
      transport: TRANSPORT,
    });
  }
  return new ConnectionError(`While ${action}: ${name}: ${detail}`, { cause: error, transport: TRANSPORT });
}
