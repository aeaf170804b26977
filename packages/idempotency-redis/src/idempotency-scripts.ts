import { createHash } from 'node:crypto';

/**
 * The store's Lua scripts. Each touches only `KEYS[1]` (one hash per idempotency key, fields
 * `s` state `p`|`c`, `t` token, `f` fingerprint, `r` result as JSON) and runs atomically on the
 * server, so each store operation is exactly one command and one round trip. Expiry is the key's own
 * PX expiry: a lease or a remembered result disappears by itself, and nothing needs purging.
 */
export interface IdempotencyScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): IdempotencyScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * ARGV: token, lockMs, fingerprint ('' for none). Replies `{'claimed'}`, `{'completed', result|nil}`,
 * `{'in-progress', pttl}` or `{'conflict'}` (the stored fingerprint differs).
 */
export const claimScript = script(`
local entry = redis.call('HMGET', KEYS[1], 's', 'f', 'r')
if entry[1] then
  if ARGV[3] ~= '' and entry[2] and entry[2] ~= '' and entry[2] ~= ARGV[3] then
    return {'conflict'}
  end
  if entry[1] == 'c' then
    return {'completed', entry[3]}
  end
  return {'in-progress', redis.call('PTTL', KEYS[1])}
end
redis.call('HSET', KEYS[1], 's', 'p', 't', ARGV[1], 'f', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'claimed'}
`);

/** ARGV: token, ttlMs, result ('' for undefined). Replies 1 when the token still owned the key, else 0. */
export const completeScript = script(`
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 's', 'c', 'r', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** ARGV: token. Deletes the key only while that token holds it in progress. Replies 1 or 0. */
export const releaseScript = script(`
local entry = redis.call('HMGET', KEYS[1], 's', 't')
if entry[1] == 'p' and entry[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * The three scripts, for auditing and for tooling of yours (e.g. `SCRIPT LOAD` on every node of a
 * cluster ahead of a deploy). The store loads them by itself when Redis does not know them.
 */
export const redisIdempotencyScripts = {
  claim: claimScript,
  complete: completeScript,
  release: releaseScript,
} as const;
