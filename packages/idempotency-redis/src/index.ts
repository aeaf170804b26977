/**
 * @omnibus/idempotency-redis — a durable, shared `IdempotencyStore` in Redis (standalone, Sentinel
 * or Cluster) for the `idempotency()` middleware of `@omnibus/core`.
 */
export { RedisIdempotencyStore } from './redis-idempotency-store.js';
export type {
  RedisIdempotencyStoreOptions,
  RedisScriptArguments,
  RedisScriptClient,
} from './redis-idempotency-store-options.js';
export type { HashTag } from './redis-key-layout.js';
export { type IdempotencyScript, redisIdempotencyScripts } from './idempotency-scripts.js';
