import { quoteTableName } from './idempotency-table-sql.js';

/**
 * The store's statements. Each is one autocommit statement (no explicit transaction, no lock held
 * past it), timed by the database clock so every instance agrees on when a lease ends.
 */
export interface IdempotencyStatements {
  /**
   * $1 key, $2 token, $3 fingerprint, $4 lockMs. Inserts the key, or takes over a row whose
   * `expires_at` has passed; otherwise leaves the row as it is. Returns the row either way, so one
   * round trip tells the caller whether it won, and what holds the key if not. `ON CONFLICT DO
   * UPDATE` locks the row, so of concurrent claimers exactly one sees its own token.
   */
  readonly claim: string;
  /** $1 key, $2 token, $3 result (JSON text or NULL), $4 ttlMs. One row updated when the token owns the key. */
  readonly complete: string;
  /** $1 key, $2 token. Deletes the row while that token holds it in progress. */
  readonly release: string;
  /** $1 limit. Deletes at most that many expired rows, skipping rows other sessions have locked. */
  readonly purgeExpired: string;
}

export function createIdempotencyStatements(table: string): IdempotencyStatements {
  const t = quoteTableName(table);
  // statement_timestamp() is fixed for the statement, so every CASE branch below agrees on whether
  // the lease has ended.
  const expired = 'e.expires_at <= statement_timestamp()';
  return {
    claim: `INSERT INTO ${t} AS e (key, state, token, fingerprint, result, expires_at)
VALUES ($1, 'in-progress', $2, $3, NULL, statement_timestamp() + $4::float8 * interval '1 millisecond')
ON CONFLICT (key) DO UPDATE SET
  state       = CASE WHEN ${expired} THEN 'in-progress'           ELSE e.state       END,
  token       = CASE WHEN ${expired} THEN excluded.token          ELSE e.token       END,
  fingerprint = CASE WHEN ${expired} THEN excluded.fingerprint    ELSE e.fingerprint END,
  result      = CASE WHEN ${expired} THEN NULL                    ELSE e.result      END,
  expires_at  = CASE WHEN ${expired} THEN excluded.expires_at     ELSE e.expires_at  END
RETURNING e.token = $2 AS claimed, e.state, e.fingerprint, e.result::text AS result,
  ceil(extract(epoch FROM e.expires_at - statement_timestamp()) * 1000)::float8 AS remaining_ms`,
    complete: `UPDATE ${t} SET state = 'completed', result = $3::json,
  expires_at = statement_timestamp() + $4::float8 * interval '1 millisecond'
WHERE key = $1 AND token = $2`,
    release: `DELETE FROM ${t} WHERE key = $1 AND token = $2 AND state = 'in-progress'`,
    purgeExpired: `DELETE FROM ${t} WHERE key IN (
  SELECT key FROM ${t} WHERE expires_at <= statement_timestamp()
  ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expires_at <= statement_timestamp()`,
  };
}
