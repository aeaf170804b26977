/**
 * @omnibus/idempotency-dynamodb — a durable, shared `IdempotencyStore` in a DynamoDB table for the
 * `idempotency()` middleware of `@omnibus/core`: conditional writes, one round trip per operation,
 * a Time to Live attribute for cleanup.
 */
export { type CreateTableResult, DynamoDbIdempotencyStore } from './dynamodb-idempotency-store.js';
export type { DynamoDbIdempotencyStoreOptions } from './dynamodb-idempotency-store-options.js';
