/**
 * @omnibus/outbox-postgres — a transactional outbox and inbox on PostgreSQL: messages written in
 * the application's own transaction and relayed through any Omnibus transport once it commits, and
 * handlers whose database effects and follow-up messages commit with their idempotency claim.
 */
export {
  createPostgresOutbox,
  type OutboxSendOptions,
  type PostgresOutbox,
} from './create-postgres-outbox.js';
export {
  createPostgresInbox,
  type InboxContext,
  type InboxHandler,
  type PostgresInbox,
  type PostgresInboxOptions,
} from './create-postgres-inbox.js';
export type {
  OutboxClient,
  OutboxRelayOptions,
  OutboxSettings,
  PostgresOutboxOptions,
} from './outbox-options.js';
export type { OutboxRelay } from './outbox-relay.js';
export { runOutboxRelay, type RunningOutboxRelay, type RunOutboxRelayOptions } from './run-outbox-relay.js';
export {
  DEFAULT_INBOX_TABLE,
  DEFAULT_OUTBOX_TABLE,
  DEFAULT_SCHEMA,
  inboxTableSql,
  outboxTableSql,
  type TableName,
} from './outbox-tables.js';
