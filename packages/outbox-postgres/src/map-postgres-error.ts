import { ConfigurationError, ConnectionError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'postgres';

/**
 * Turns a pg or socket error into an `OmnibusError`, keeping it as `cause`: a missing table or
 * column becomes a `ConfigurationError` pointing at `migrate()`, refused credentials or permissions
 * a `ConfigurationError`, and everything else (lost connections, shutdowns, deadlocks, an aborted
 * transaction) a retryable `ConnectionError`.
 */
export function mapPostgresError(error: unknown, action: string, table: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const detail = redactSecrets(error instanceof Error ? error.message : String(error));
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code === '42P01' || code === '42703' || code === '3F000') {
    return new ConfigurationError(
      `While ${action}: the table ${table} is missing or has other columns (${detail}). Create it with outbox.migrate() or with the SQL in the @omnibus/outbox-postgres README.`,
      { cause: error, transport: TRANSPORT },
    );
  }
  if (code.startsWith('28') || code === '42501' || code === '3D000') {
    return new ConfigurationError(`While ${action}: PostgreSQL refused it: ${detail}`, {
      cause: error,
      transport: TRANSPORT,
    });
  }
  return new ConnectionError(`While ${action}: ${detail}`, { cause: error, transport: TRANSPORT });
}
