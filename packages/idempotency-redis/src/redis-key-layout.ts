import { createHash } from 'node:crypto';
import { ConfigurationError } from '@omnibus/core';

/**
 * How an idempotency key's hash tag is chosen (the part of a Redis key between the first `{` and the
 * next `}`, which alone decides the Redis Cluster slot):
 * - `'key'`: the idempotency key itself, so keys spread evenly over the cluster's slots;
 * - a function: your own tag, to place the record in the same slot as keys of yours (e.g. a ledger
 *   that a Lua script of yours updates atomically with it);
 * - `false`: no braces are added; the key is `<keyPrefix><key>` as is.
 */
export type HashTag = 'key' | false | ((key: string) => string);

/**
 * Returns the function that maps an idempotency key to its Redis key. Every script of the store
 * touches exactly one Redis key, so Cluster never answers CROSSSLOT, whatever the layout; the layout
 * only decides which slot holds each record. Distinct idempotency keys always map to distinct
 * Redis keys.
 */
export function createRedisKeyLayout(keyPrefix: string, hashTag: HashTag): (key: string) => string {
  if (hashTag === false) return (key) => `${keyPrefix}${key}`;
  if (hashTag === 'key') {
    // `<prefix>{<key>}`. A key containing `}` would end the tag early (and might share a slot with
    // every key that starts the same way), so such keys are tagged by a digest of the whole key.
    return (key) =>
      key.includes('}')
        ? `${keyPrefix}{${createHash('sha1').update(key).digest('hex')}}:${key}`
        : `${keyPrefix}{${key}}`;
  }
  return (key) => {
    const tag = hashTag(key);
    if (typeof tag !== 'string' || tag === '' || tag.includes('}')) {
      throw new ConfigurationError(
        `RedisIdempotencyStore hashTag(${JSON.stringify(key)}) returned ${JSON.stringify(tag)}; it must return a non-empty string without '}'.`,
      );
    }
    return `${keyPrefix}{${tag}}:${key}`;
  };
}
