import { ConfigurationError, ConnectionError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'redis';

/**
 * Turns a node-redis or socket error into an `OmnibusError`, keeping it as `cause`:
 * - `WRONGTYPE` (the key prefix collides with other data in the database) and authentication or
 *   permission errors (`NOAUTH`, `WRONGPASS`, `NOPERM`) become `ConfigurationError`s;
 * - everything else (refused or closed sockets, timeouts, `LOADING`, cluster redirections that
 *   could not be followed) is a retryable `ConnectionError`.
 */
export function mapRedisError(error: unknown, action: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const detail = redactSecrets(error instanceof Error ? error.message : String(error));
  if (detail.startsWith('WRONGTYPE')) {
    return new ConfigurationError(
      `While ${action}: the Redis key holds another kind of value (${detail}). Choose a keyPrefix no other data uses.`,
      { cause: error, transport: TRANSPORT },
    );
  }
  if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(detail)) {
    return new ConfigurationError(`While ${action}: Redis refused the credentials or command: ${detail}`, {
      cause: error,
      transport: TRANSPORT,
    });
  }
  return new ConnectionError(`While ${action}: ${detail}`, { cause: error, transport: TRANSPORT });
}
