import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '@omnibus/core';

/** Options of `new DynamoDbIdempotencyStore()`. */
export interface DynamoDbIdempotencyStoreOptions {
  /** The table; its partition key is a string attribute named `keyAttribute`, and it has no sort key. */
  tableName: string;
  /**
   * A client of yours to share (for example one created at a Lambda function's module scope). The
   * store never destroys it. Without one, the store builds its own from `clientConfig`.
   */
  client?: DynamoDBClient;
  /** Settings of the store's own client (region, endpoint for an emulator, credentials). */
  clientConfig?: DynamoDBClientConfig;
  /**
   * The table's partition key attribute.
   * @default 'pk'
   */
  keyAttribute?: string;
  /**
   * The attribute holding the record's expiry in epoch seconds, for DynamoDB's Time to Live (enable
   * TTL on this attribute so that expired records are deleted by DynamoDB). The store never relies
   * on TTL deletion, which may lag by hours: expiry is checked on every claim against a
   * millisecond timestamp.
   * @default 'expiresAt'
   */
  ttlAttribute?: string;
  /** Prepended to every idempotency key, to share one table between applications. @default '' */
  keyPrefix?: string;
}

/** Validated settings. */
export interface DynamoDbIdempotencyStoreSettings {
  readonly tableName: string;
  readonly client: DynamoDBClient | undefined;
  readonly clientConfig: DynamoDBClientConfig;
  readonly keyAttribute: string;
  readonly ttlAttribute: string;
  readonly keyPrefix: string;
}

const known = new Set(['tableName', 'client', 'clientConfig', 'keyAttribute', 'ttlAttribute', 'keyPrefix']);
// Attributes the store writes itself; the configurable ones may not collide with them.
export const RECORD_ATTRIBUTES = ['state', 'token', 'fingerprint', 'result', 'expiresAtMs'] as const;

/** Checks every option at once (no I/O) and reports every problem in one `ConfigurationError`. */
export function resolveDynamoDbIdempotencyStoreOptions(
  options: DynamoDbIdempotencyStoreOptions,
): DynamoDbIdempotencyStoreSettings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      `DynamoDbIdempotencyStore: options must be an object with a tableName; got ${String(options)}.`,
    );
  }
  const problems: string[] = [];
  for (const name of Object.keys(options)) if (!known.has(name)) problems.push(`unknown option '${name}'`);
  const { tableName, client } = options;
  // DynamoDB table names: 3-255 characters of [A-Za-z0-9_.-].
  if (typeof tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    problems.push(
      `tableName must be 3-255 characters of A-Z a-z 0-9 _ . -; got ${JSON.stringify(tableName)}`,
    );
  }
  if (client !== undefined && (client === null || typeof client.send !== 'function')) {
    problems.push('client must be a DynamoDBClient from @aws-sdk/client-dynamodb');
  }
  if (client !== undefined && options.clientConfig !== undefined) {
    problems.push('give either client or clientConfig, not both');
  }
  const keyAttribute = options.keyAttribute ?? 'pk';
  const ttlAttribute = options.ttlAttribute ?? 'expiresAt';
  for (const [name, value] of [
    ['keyAttribute', keyAttribute],
    ['ttlAttribute', ttlAttribute],
  ] as const) {
    if (typeof value !== 'string' || value === '' || value.length > 255) {
      problems.push(`${name} must be a non-empty attribute name; got ${JSON.stringify(value)}`);
    } else if ((RECORD_ATTRIBUTES as readonly string[]).includes(value)) {
      problems.push(`${name} may not be '${value}', which the store writes itself`);
    }
  }
  if (keyAttribute === ttlAttribute) problems.push('keyAttribute and ttlAttribute must differ');
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 512) {
    problems.push(`keyPrefix must be a string of at most 512 characters; got ${JSON.stringify(keyPrefix)}`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`DynamoDbIdempotencyStore: ${problems.join('; ')}.`, {
      transport: 'dynamodb',
    });
  }
  return {
    tableName,
    client,
    clientConfig: options.clientConfig ?? {},
    keyAttribute,
    ttlAttribute,
    keyPrefix,
  };
}
