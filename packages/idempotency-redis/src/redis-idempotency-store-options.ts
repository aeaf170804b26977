import { ConfigurationError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';
import type { HashTag } from './redis-key-layout.js';

/** Arguments of `EVAL`/`EVALSHA` as node-redis takes them. */
export interface RedisScriptArguments {
  keys: string[];
  arguments: string[];
}

/**
 * The part of a Redis client the store uses: a connected node-redis client, cluster
 * (`createCluster`) or sentinel satisfies it. The store never connects or closes a client it was
 * given.
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: RedisScriptArguments): Promise<unknown>;
  eval(script: string, options: RedisScriptArguments): Promise<unknown>;
}

/** Options of `new RedisIdempotencyStore()`. Give `url` or `client`, not both. */
export interface RedisIdempotencyStoreOptions {
  /**
   * Where Redis is; the store opens its own connection on first use and closes it in `close()`.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /** A connected client of yours to share. The store never closes it. */
  client?: RedisScriptClient;
  /**
   * Prepended to every Redis key. Must not contain `{` or `}`, which would turn it into the hash
   * tag and put every record in one Cluster slot.
   * @default 'omnibus:idempotency:'
   */
  keyPrefix?: string;
  /**
   * The hash tag of each Redis key, which alone decides its Cluster slot: `'key'` tags each record
   * with its idempotency key (records spread evenly); a function tags it with your own value, to put
   * it in the same slot as your keys; `false` adds no braces.
   * @default 'key'
   */
  hashTag?: HashTag;
  /** How long the store's own connection may take to open, in milliseconds. @default 5_000 */
  connectTimeoutMs?: number;
}

/** Validated settings. */
export interface RedisIdempotencyStoreSettings {
  readonly url: string | undefined;
  readonly client: RedisScriptClient | undefined;
  readonly keyPrefix: string;
  readonly hashTag: HashTag;
  readonly connectTimeoutMs: number;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const known = new Set(['url', 'client', 'keyPrefix', 'hashTag', 'connectTimeoutMs']);

/** Checks every option at once and reports every problem in one `ConfigurationError`. */
export function resolveRedisIdempotencyStoreOptions(
  options: RedisIdempotencyStoreOptions = {},
): RedisIdempotencyStoreSettings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(`RedisIdempotencyStore: options must be an object; got ${String(options)}.`);
  }
  const problems: string[] = [];
  for (const name of Object.keys(options)) if (!known.has(name)) problems.push(`unknown option '${name}'`);

  const { url, client } = options;
  if (url !== undefined && client !== undefined) problems.push('give either url or client, not both');
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
      problems.push(
        // Only the scheme is shown: what follows a malformed scheme may be a password.
        `url must start with redis:// or rediss://; got ${typeof url === 'string' ? `'${url.split(/[:/]/, 1)[0]}:…'` : String(url)}`,
      );
    } else if (!URL.canParse(url)) {
      problems.push(`url is not a valid URL: ${redactSecrets(url)}`);
    }
  }
  if (
    client !== undefined &&
    (client === null || typeof client.evalSha !== 'function' || typeof client.eval !== 'function')
  ) {
    problems.push(
      'client must be a connected node-redis client, cluster or sentinel (with evalSha and eval)',
    );
  }
  const keyPrefix = options.keyPrefix ?? 'omnibus:idempotency:';
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
    problems.push(`keyPrefix must be a string without '{' or '}'; got ${JSON.stringify(keyPrefix)}`);
  }
  const hashTag = options.hashTag ?? 'key';
  if (hashTag !== 'key' && hashTag !== false && typeof hashTag !== 'function') {
    problems.push(`hashTag must be 'key', false or a function of the key; got ${String(hashTag)}`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    problems.push(`connectTimeoutMs must be a positive number; got ${String(connectTimeoutMs)}`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid RedisIdempotencyStore options: ${problems.join('; ')}.`);
  }
  return {
    url: client === undefined ? (url ?? DEFAULT_REDIS_URL) : undefined,
    client,
    keyPrefix,
    hashTag,
    connectTimeoutMs,
  };
}
