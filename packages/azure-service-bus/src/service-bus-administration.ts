import {
  type CorrelationRuleFilter,
  ServiceBusAdministrationClient,
  type SqlRuleFilter,
} from '@azure/service-bus';

/** A subscription rule filter: SQL, or a correlation filter on application properties. */
export type RuleFilter =
  | { readonly sqlExpression: string }
  | { readonly applicationProperties: Readonly<Record<string, string>> };

/** A named subscription rule. */
export interface SubscriptionRule {
  readonly name: string;
  readonly filter: RuleFilter;
}

/** The properties of a queue this transport creates. */
export interface QueueSpec {
  readonly requiresSession: boolean;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
}

/** The properties of a subscription this transport creates. */
export interface SubscriptionSpec {
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
  readonly requiresSession?: boolean;
  /** Auto-forward everything the subscription takes to this queue or topic. */
  readonly forwardTo?: string;
  /** The subscription's only rule at creation (instead of `$Default`, which takes everything). */
  readonly rule?: SubscriptionRule;
}

/**
 * Creates Service Bus entities, idempotently: each method resolves when the entity exists
 * afterwards, whether it created it or not (an existing entity is left as it is). This is the
 * only part of the transport that needs management rights (`Azure Service Bus Data Owner` or
 * the `Manage` claim); sending, receiving and rule changes go over AMQP.
 */
export interface ServiceBusAdministration {
  ensureQueue(name: string, spec: QueueSpec): Promise<void>;
  ensureTopic(name: string): Promise<void>;
  ensureSubscription(topic: string, name: string, spec: SubscriptionSpec): Promise<void>;
  /**
   * Deletes a subscription; resolves when it does not exist. Optional: without it, subscriptions
   * of deleted rules are emptied of rules (they then take nothing) instead of deleted.
   */
  deleteSubscription?(topic: string, name: string): Promise<void>;
}

/** ISO 8601 duration of whole seconds, as the ATOM API wants. */
function isoSeconds(milliseconds: number): string {
  return `PT${Math.ceil(milliseconds / 1_000)}S`;
}

/**
 * Only the SDK's `MessageEntityAlreadyExistsError`: a 409 can also mean "another conflicting
 * operation is in progress" (SubCode 40901), after which the entity may not exist yet, and the
 * SDK reports that one as `ServiceError`.
 */
function isAlreadyExists(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'MessageEntityAlreadyExistsError';
}

function isNotFound(error: unknown): boolean {
  const sdk = error as { code?: string; statusCode?: number } | null;
  return sdk?.statusCode === 404 || sdk?.code === 'MessageEntityNotFoundError';
}

function toSdkFilter(filter: RuleFilter): SqlRuleFilter | CorrelationRuleFilter {
  return 'sqlExpression' in filter
    ? { sqlExpression: filter.sqlExpression }
    : { applicationProperties: { ...filter.applicationProperties } };
}

/**
 * The default administration: the SDK's `ServiceBusAdministrationClient` (HTTPS/ATOM on port
 * 443). Creating is tried first and "already exists" (409) accepted, which is idempotent and
 * safe when several processes start at once.
 */
export function createAdministrationClientAdministration(
  client: ServiceBusAdministrationClient,
): ServiceBusAdministration {
  async function create(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return {
    ensureQueue: (name, spec) =>
      create(() =>
        client.createQueue(name, {
          requiresSession: spec.requiresSession,
          maxDeliveryCount: spec.maxDeliveryCount,
          lockDuration: isoSeconds(spec.lockDurationMs),
          deadLetteringOnMessageExpiration: true,
        }),
      ),
    ensureTopic: (name) => create(() => client.createTopic(name)),
    ensureSubscription: (topic, name, spec) =>
      create(() =>
        client.createSubscription(topic, name, {
          maxDeliveryCount: spec.maxDeliveryCount,
          lockDuration: isoSeconds(spec.lockDurationMs),
          deadLetteringOnMessageExpiration: true,
          ...(spec.requiresSession ? { requiresSession: true } : {}),
          ...(spec.forwardTo ? { forwardTo: spec.forwardTo } : {}),
          ...(spec.rule
            ? { defaultRuleOptions: { name: spec.rule.name, filter: toSdkFilter(spec.rule.filter) } }
            : {}),
        }),
      ),
    async deleteSubscription(topic, name) {
      try {
        await client.deleteSubscription(topic, name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

type AdministrationConnection =
  | { readonly connectionString: string }
  | { readonly namespace: string; readonly credential: import('@azure/identity').TokenCredential };

/** The SDK administration client for the same connection settings as the data-plane client. */
export function createAdministrationClient(
  connection: AdministrationConnection,
): ServiceBusAdministrationClient {
  return 'connectionString' in connection
    ? new ServiceBusAdministrationClient(connection.connectionString)
    : new ServiceBusAdministrationClient(connection.namespace, connection.credential);
}

/** Builds the default administration from the same connection settings as the data-plane client. */
export function createDefaultAdministration(connection: AdministrationConnection): ServiceBusAdministration {
  return createAdministrationClientAdministration(createAdministrationClient(connection));
}

export { toSdkFilter };
