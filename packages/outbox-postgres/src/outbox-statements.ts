import { qualified, type TableName } from './outbox-tables.js';

/** The SQL the outbox writer and relay run against one outbox table. */
export interface OutboxStatements {
  /**
   * $1 text[] of lock names. Takes a transaction-scoped advisory lock per ordering key (sorted, so
   * two writers never wait on each other in a cycle). A second writer of the same key waits until
   * the first commits, so positions of one key follow commit order.
   */
  readonly lockKeys: string;
  /**
   * $1 message ids, $2 destination kinds, $3 destinations, $4 orderings, $5 ordering keys,
   * $6 envelopes (JSON text), $7 delays in ms, $8 the NOTIFY channel. Inserts the rows in array
   * order and queues one notification, delivered when the transaction commits.
   */
  readonly insert: string;
  /**
   * $1 batch size. Locks up to that many due, unsent rows in position order, skipping rows other
   * relays hold, and returns their positions.
   */
  readonly lock: string;
  /**
   * $1 bigint[] the positions this relay locked. Returns those rows that may be sent now: a row with
   * an ordering key is held back while an earlier unsent row of the same key is outside the batch
   * (held by another relay, or not due yet), so every key's rows leave in position order.
   */
  readonly sendable: string;
  /** $1 bigint[] positions. Marks rows sent. */
  readonly markSent: string;
  /** $1 bigint[] positions, $2 the error. Records a failed attempt. */
  readonly markFailed: string;
  /** Milliseconds until the next delayed row is due, or NULL. */
  readonly nextDue: string;
  /** $1 retention ms, $2 limit. Deletes at most that many rows sent longer ago than the retention. */
  readonly purgeSent: string;
}

export function createOutboxStatements(name: TableName): OutboxStatements {
  const t = qualified(name);
  return {
    lockKeys: `SELECT pg_advisory_xact_lock(lock_id) FROM (
  SELECT DISTINCT hashtextextended(lock_name, 0) AS lock_id FROM unnest($1::text[]) AS lock_name ORDER BY 1
) AS keys`,
    insert: `WITH inserted AS (
  INSERT INTO ${t} (message_id, destination_kind, destination, ordering, ordering_key, envelope, available_at)
  SELECT message_id, destination_kind, destination, ordering, ordering_key, envelope::json,
    statement_timestamp() + delay_ms * interval '1 millisecond'
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[])
    WITH ORDINALITY AS input (message_id, destination_kind, destination, ordering, ordering_key, envelope, delay_ms, n)
  ORDER BY n
  RETURNING 1
)
SELECT pg_notify($8, ''), (SELECT count(*) FROM inserted)::int AS inserted`,
    lock: `SELECT position::text AS position FROM ${t}
WHERE sent_at IS NULL AND available_at <= statement_timestamp()
ORDER BY position LIMIT $1
FOR UPDATE SKIP LOCKED`,
    sendable: `SELECT candidate.position::text AS position, candidate.destination_kind, candidate.destination, candidate.ordering,
  candidate.envelope::text AS envelope
FROM ${t} AS candidate
WHERE candidate.position = ANY($1::bigint[]) AND (candidate.ordering_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM ${t} AS earlier
  WHERE earlier.ordering_key = candidate.ordering_key AND earlier.sent_at IS NULL
    AND earlier.position < candidate.position AND NOT (earlier.position = ANY($1::bigint[]))
))
ORDER BY candidate.position`,
    markSent: `UPDATE ${t} SET sent_at = statement_timestamp(), attempts = attempts + 1, last_error = NULL
WHERE position = ANY($1::bigint[])`,
    markFailed: `UPDATE ${t} SET attempts = attempts + 1, last_error = left($2, 1000)
WHERE position = ANY($1::bigint[]) AND sent_at IS NULL`,
    nextDue: `SELECT ceil(extract(epoch FROM min(available_at) - statement_timestamp()) * 1000)::float8 AS due_in_ms
FROM ${t} WHERE sent_at IS NULL AND available_at > statement_timestamp()`,
    purgeSent: `DELETE FROM ${t} WHERE position IN (
  SELECT position FROM ${t}
  WHERE sent_at IS NOT NULL AND sent_at < statement_timestamp() - $1::float8 * interval '1 millisecond'
  ORDER BY sent_at LIMIT $2
  FOR UPDATE SKIP LOCKED
)`,
  };
}
