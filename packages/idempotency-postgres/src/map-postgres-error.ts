import { ConfigurationError, ConnectionError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'postgres';

/**
 * Turns a pg or socket error into an `OmnibusError`, keeping it as `cause`:
 * - a missing table or column (`42P01`, `42703`), bad credentials or permissions (`28xxx`,
 *   `42501`) and an unknown database (`3D000`) become `ConfigurationError`s saying what to do;
 * - everything else (refused sockets, lost connections, `57P01` admin shutdown, serialization
 *   failures, a full pool) is a retryable `ConnectionError`.
 */
export function mapPostgresError(error: unknown, action: string, table: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const detail = redactSecrets(error instanceof Error ? error.message : String(error));
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code === '42P01' || code === '42703') {
    return new ConfigurationError(
      `While ${action}: the table ${table} is missing or has other columns (${detail}). Create it with store.migrate() or with the SQL in the @omnibus/idempotency-postgres README.`,
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
