import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type ClaimOptions,
  type ClaimResult,
  ClosedError,
  type CompleteOptions,
  IdempotencyConflictError,
  type IdempotencyStore,
} from '@omnibus/core';
import {
  type DynamoDbIdempotencyStoreOptions,
  type DynamoDbIdempotencyStoreSettings,
  resolveDynamoDbIdempotencyStoreOptions,
} from './dynamodb-idempotency-store-options.js';
import { mapDynamoDbError } from './map-dynamodb-error.js';

/** DynamoDB partition keys hold at most 2048 bytes; longer idempotency keys are stored hashed. */
const MAX_KEY_BYTES = 2048;
const IN_PROGRESS = 'in-progress';
const COMPLETED = 'completed';

/** What `createTable()` did. */
export interface CreateTableResult {
  /** `false` when the table existed already. */
  readonly created: boolean;
  /**
   * Whether Time to Live was switched on for `ttlAttribute`. `false` when the endpoint does not
   * implement `UpdateTimeToLive` (some emulators): records then stay until deleted by hand, and the
   * store still treats expired ones as absent.
   */
  readonly ttlEnabled: boolean;
}

/**
 * An `IdempotencyStore` in one DynamoDB table, the store for functions (Lambda) that keep no state
 * between invocations. One item per key:
 * `{ <keyAttribute>, state, token, fingerprint?, result?, expiresAtMs, <ttlAttribute> }`.
 *
 * - `claim` is one conditional `PutItem` (the key is absent or its record expired), asking DynamoDB
 *   to return the item that failed the condition with the same response
 *   (`ReturnValuesOnConditionCheckFailure`), so a fresh claim and a duplicate each cost one round
 *   trip. An endpoint that does not return the item (some emulators) costs one consistent read more.
 * - `complete` is one `UpdateItem` conditioned on the claim's token; `release` one `DeleteItem`
 *   conditioned on the token and the in-progress state.
 * - Expiry is checked against `expiresAtMs` in the condition itself; the TTL attribute (epoch
 *   seconds) only lets DynamoDB delete old records eventually. Clocks of the processes sharing a
 *   table should agree within a fraction of the shortest lease.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  readonly #settings: DynamoDbIdempotencyStoreSettings;
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  #closed = false;

  constructor(options: DynamoDbIdempotencyStoreOptions) {
    this.#settings = resolveDynamoDbIdempotencyStoreOptions(options);
    this.#ownsClient = this.#settings.client === undefined;
    this.#client = this.#settings.client ?? new DynamoDBClient(this.#settings.clientConfig);
  }

  /** The partition key value under which `key` is stored (prefixed; hashed when too long). */
  itemKey(key: string): string {
    const full = this.#settings.keyPrefix + key;
    if (Buffer.byteLength(full) <= MAX_KEY_BYTES) return full;
    return `${this.#settings.keyPrefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    this.#ensureOpen();
    // A second pass only on an endpoint that did not return the conflicting item and whose record
    // expired between the write and the read: the next conditional write then takes it over.
    for (let pass = 0; ; pass++) {
      const outcome = await this.#tryClaim(key, options);
      if (outcome.status !== 'expired') return outcome;
      if (pass === 1) return { status: 'in-progress', expiresAt: Date.now() };
    }
  }

  async #tryClaim(key: string, options: ClaimOptions): Promise<ClaimResult | { status: 'expired' }> {
    const now = Date.now();
    const token = randomUUID();
    const expiresAtMs = now + options.lockMs;
    const item: Record<string, AttributeValue> = {
      ...this.#key(key),
      state: { S: IN_PROGRESS },
      token: { S: token },
      expiresAtMs: { N: String(expiresAtMs) },
      [this.#settings.ttlAttribute]: { N: String(Math.ceil(expiresAtMs / 1000)) },
    };
    if (options.fingerprint !== undefined) item.fingerprint = { S: options.fingerprint };
    let existing: Record<string, AttributeValue> | undefined;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#settings.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key) OR expiresAtMs <= :now',
          ExpressionAttributeNames: { '#key': this.#settings.keyAttribute },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw mapDynamoDbError(error, `claiming idempotency key '${key}'`);
      existing = error.Item;
    }
    existing ??= await this.#read(key);
    if (!existing) return { status: 'expired' };
    const stored = existing.fingerprint?.S;
    if (options.fingerprint !== undefined && stored !== undefined && stored !== options.fingerprint)
      throw new IdempotencyConflictError(key, { transport: 'dynamodb' });
    if (existing.state?.S === COMPLETED) {
      const result = existing.result?.S;
      return { status: 'completed', result: result === undefined ? undefined : JSON.parse(result) };
    }
    return { status: 'in-progress', expiresAt: Number(existing.expiresAtMs?.N ?? now) };
  }

  async complete(key: string, token: string, options: CompleteOptions): Promise<boolean> {
    this.#ensureOpen();
    const expiresAtMs = Date.now() + options.ttlMs;
    const values: Record<string, AttributeValue> = {
      ':token': { S: token },
      ':completed': { S: COMPLETED },
      ':expiresAtMs': { N: String(expiresAtMs) },
      ':ttl': { N: String(Math.ceil(expiresAtMs / 1000)) },
    };
    const hasResult = options.result !== undefined;
    if (hasResult) values[':result'] = { S: JSON.stringify(options.result) };
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#settings.tableName,
          Key: this.#key(key),
          UpdateExpression: `SET #state = :completed, expiresAtMs = :expiresAtMs, #ttl = :ttl${
            hasResult ? ', #result = :result' : ''
          }${hasResult ? '' : ' REMOVE #result'}`,
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#token': 'token',
            '#result': 'result',
            '#ttl': this.#settings.ttlAttribute,
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw mapDynamoDbError(error, `completing idempotency key '${key}'`);
    }
  }

  async release(key: string, token: string): Promise<void> {
    this.#ensureOpen();
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#settings.tableName,
          Key: this.#key(key),
          ConditionExpression: '#token = :token AND #state = :inProgress',
          ExpressionAttributeNames: { '#token': 'token', '#state': 'state' },
          ExpressionAttributeValues: { ':token': { S: token }, ':inProgress': { S: IN_PROGRESS } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw mapDynamoDbError(error, `releasing idempotency key '${key}'`);
    }
  }

  /**
   * Creates the table (on-demand capacity, partition key `keyAttribute`) and switches on Time to
   * Live for `ttlAttribute`. For development, tests and first deploys; production tables usually
   * come from infrastructure code, with the same two settings.
   */
  async createTable(): Promise<CreateTableResult> {
    this.#ensureOpen();
    const { tableName, keyAttribute, ttlAttribute } = this.#settings;
    let created = true;
    try {
      await this.#client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: keyAttribute, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: keyAttribute, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException')
        throw mapDynamoDbError(error, `creating table '${tableName}'`);
      created = false;
    }
    try {
      await this.#client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
        }),
      );
      return { created, ttlEnabled: true };
    } catch (error) {
      const name = (error as Error).name;
      // Already on for this attribute (a re-run).
      if (name === 'ValidationException' && /already enabled/i.test((error as Error).message))
        return { created, ttlEnabled: true };
      if (name === 'UnknownOperationException') return { created, ttlEnabled: false };
      throw mapDynamoDbError(error, `enabling Time to Live on table '${tableName}'`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  #key(key: string): Record<string, AttributeValue> {
    return { [this.#settings.keyAttribute]: { S: this.itemKey(key) } };
  }

  // Only when the endpoint did not return the item with the failed condition.
  async #read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const result = await this.#client.send(
        new GetItemCommand({
          TableName: this.#settings.tableName,
          Key: this.#key(key),
          ConsistentRead: true,
        }),
      );
      const item = result.Item;
      if (!item || Number(item.expiresAtMs?.N ?? 0) <= Date.now()) return undefined;
      return item;
    } catch (error) {
      throw mapDynamoDbError(error, `reading idempotency key '${key}'`);
    }
  }

  #ensureOpen(): void {
    if (this.#closed)
      throw new ClosedError('The DynamoDB idempotency store is closed.', { transport: 'dynamodb' });
  }
}
