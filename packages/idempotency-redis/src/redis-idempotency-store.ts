import { randomUUID } from 'node:crypto';
import {
  type ClaimOptions,
  type ClaimResult,
  type CompleteOptions,
  ClosedError,
  ConfigurationError,
  IdempotencyConflictError,
  type IdempotencyStore,
} from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';
import { createClient } from 'redis';
import { claimScript, completeScript, type IdempotencyScript, releaseScript } from './idempotency-scripts.js';
import { mapRedisError } from './map-redis-error.js';
import {
  type RedisIdempotencyStoreOptions,
  type RedisScriptClient,
  resolveRedisIdempotencyStoreOptions,
} from './redis-idempotency-store-options.js';
import { createRedisKeyLayout } from './redis-key-layout.js';

type OwnClient = ReturnType<typeof createClient>;

/**
 * An `IdempotencyStore` in Redis, shared by every instance of a service and surviving restarts.
 * Each key is one Redis hash whose PX expiry is the lease while in progress and the ttl once
 * completed. Claim, complete and release are each one Lua script (`EVALSHA`), so one round trip
 * and atomic on the server, and each touches one key, so it works unchanged on Redis Cluster.
 *
 * ```ts
 * const store = new RedisIdempotencyStore({ url: 'redis://127.0.0.1:6379' });
 * bus.consumer('payments.authorize', charge, { middleware: [idempotency({ store })] });
 * ```
 *
 * Construction validates the options and does no I/O; the store's own connection opens on first
 * use and closes in `close()`.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redisKey: (key: string) => string;
  readonly #given: RedisScriptClient | undefined;
  readonly #url: string | undefined;
  readonly #connectTimeoutMs: number;
  #own: OwnClient | undefined;
  #connecting: Promise<RedisScriptClient> | undefined;
  #closed = false;

  constructor(options: RedisIdempotencyStoreOptions = {}) {
    const settings = resolveRedisIdempotencyStoreOptions(options);
    this.#redisKey = createRedisKeyLayout(settings.keyPrefix, settings.hashTag);
    this.#given = settings.client;
    this.#url = settings.url;
    this.#connectTimeoutMs = settings.connectTimeoutMs;
  }

  /** The Redis key that holds an idempotency key's record (for inspection and your own scripts). */
  redisKey(key: string): string {
    return this.#redisKey(key);
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const token = randomUUID();
    const reply = await this.#run(claimScript, key, [
      token,
      String(milliseconds(options.lockMs, 'lockMs')),
      options.fingerprint ?? '',
    ]);
    const [status, value] = reply as [string, unknown];
    switch (status) {
      case 'claimed':
        return { status: 'claimed', token };
      case 'completed':
        return { status: 'completed', result: decodeResult(value) };
      case 'in-progress':
        return { status: 'in-progress', expiresAt: Date.now() + Math.max(0, Number(value)) };
      case 'conflict':
        throw new IdempotencyConflictError(key);
      default:
        throw mapRedisError(new Error(`unexpected reply ${JSON.stringify(reply)}`), `claiming '${key}'`);
    }
  }

  async complete(key: string, token: string, options: CompleteOptions): Promise<boolean> {
    const reply = await this.#run(completeScript, key, [
      token,
      String(milliseconds(options.ttlMs, 'ttlMs')),
      encodeResult(key, options.result),
    ]);
    return Number(reply) === 1;
  }

  async release(key: string, token: string): Promise<void> {
    await this.#run(releaseScript, key, [token]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const own = this.#own;
    this.#own = undefined;
    if (own?.isOpen) await own.close().catch(() => own.destroy());
  }

  async #run(script: IdempotencyScript, key: string, args: string[]): Promise<unknown> {
    if (this.#closed) throw new ClosedError('The RedisIdempotencyStore is closed; create a new one.');
    const redisKey = this.#redisKey(key);
    const client = await this.#client();
    const call = { keys: [redisKey], arguments: args };
    try {
      return await client.evalSha(script.sha1, call);
    } catch (error) {
      // The server does not know the script yet (first use, restart, SCRIPT FLUSH, failover):
      // EVAL runs it and caches it, so later calls are one EVALSHA again.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT'))
        throw mapRedisError(error, `using '${key}'`);
    }
    try {
      return await client.eval(script.source, call);
    } catch (error) {
      throw mapRedisError(error, `using '${key}'`);
    }
  }

  #client(): Promise<RedisScriptClient> {
    if (this.#given) return Promise.resolve(this.#given);
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<RedisScriptClient> {
    let connected = false;
    const client = createClient({
      url: this.#url,
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        // Fail the first connection fast (callers get a ConnectionError and their message is retried);
        // once connected, reconnect with backoff for as long as it takes.
        reconnectStrategy: (retries, cause) =>
          connected ? Math.min(50 * 2 ** retries, 2_000) : retries < 2 ? 100 : cause,
      },
    });
    // node-redis reports socket problems as 'error' events; the failing commands reject on their own.
    client.on('error', () => {});
    this.#own = client;
    try {
      await client.connect();
      connected = true;
      if (this.#closed) await client.close();
      return client as unknown as RedisScriptClient;
    } catch (error) {
      this.#connecting = undefined;
      this.#own = undefined;
      // node-redis has already closed a client whose reconnect strategy gave up.
      if (client.isOpen) client.destroy();
      throw mapRedisError(error, `connecting to ${redactSecrets(String(this.#url))}`);
    }
  }
}

function milliseconds(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`RedisIdempotencyStore: ${name} must be a positive number; got ${value}.`);
  }
  return Math.ceil(value);
}

// `undefined` is stored as '' (which no JSON text is), so it round-trips apart from `null`.
function encodeResult(key: string, result: unknown): string {
  if (result === undefined) return '';
  try {
    return JSON.stringify(result) ?? '';
  } catch (error) {
    throw new ConfigurationError(`The result stored for idempotency key '${key}' is not JSON-serialisable.`, {
      cause: error,
    });
  }
}

function decodeResult(value: unknown): unknown {
  return typeof value === 'string' && value !== '' ? JSON.parse(value) : undefined;
}
