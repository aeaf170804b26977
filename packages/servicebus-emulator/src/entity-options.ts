/**
 * Entity settings, named after Service Bus's own properties. Durations are milliseconds here;
 * Config.json files use ISO 8601 durations and are converted on load.
 */

/** Settings shared by queues and subscriptions (the entities you receive from). */
export interface ReceivableEntityOptions {
  /** How long a peek-lock lasts. @default 60_000 */
  lockDurationMs?: number;
  /** Deliveries after which a message moves to the dead-letter queue. @default 10 */
  maxDeliveryCount?: number;
  /** Messages carry a session id and are received through session receivers. @default false */
  requiresSession?: boolean;
  /** Time to live for messages that set none (a message's own TTL may only shorten it). @default no expiry */
  defaultMessageTimeToLiveMs?: number;
  /** Expired messages go to the dead-letter queue instead of vanishing. @default false */
  deadLetteringOnMessageExpiration?: boolean;
  /** Name of a queue or topic that every arriving message is moved to. */
  forwardTo?: string;
  /** Name of a queue or topic that dead-lettered messages are moved to. */
  forwardDeadLetteredMessagesTo?: string;
}

/** Duplicate detection, on queues and topics (the entities you send to). */
export interface DuplicateDetectionOptions {
  /** Drop a message whose message-id was already accepted within the window. @default false */
  requiresDuplicateDetection?: boolean;
  /** @default 600_000 (ten minutes, as in Service Bus) */
  duplicateDetectionHistoryTimeWindowMs?: number;
}

/** A queue's settings. */
export interface QueueOptions extends ReceivableEntityOptions, DuplicateDetectionOptions {}

/** A topic's settings; its subscriptions are created separately. */
export interface TopicOptions extends DuplicateDetectionOptions {
  /** @default no expiry */
  defaultMessageTimeToLiveMs?: number;
}

/** A SQL filter, in Service Bus's SQL-92 subset (`sys.`/`user.` properties). */
export interface SqlRuleFilter {
  sqlExpression: string;
}

/**
 * A correlation filter: every field that is set must equal the message's value (strings compare
 * exactly); `applicationProperties` must all be present with equal values.
 */
export interface CorrelationRuleFilter {
  correlationId?: string;
  messageId?: string;
  to?: string;
  replyTo?: string;
  subject?: string;
  sessionId?: string;
  replyToSessionId?: string;
  contentType?: string;
  applicationProperties?: Record<string, string | number | boolean | Date>;
}

/** A subscription rule, shaped like `@azure/service-bus`'s `RuleProperties`. */
export interface RuleDefinition {
  name: string;
  filter: SqlRuleFilter | CorrelationRuleFilter;
  /** A SQL action (`SET …`, `REMOVE …`) applied to the subscription's copy of matching messages. */
  action?: { sqlExpression: string };
}

/** A subscription's settings. Without `rules` it gets the `$Default` rule (a true filter). */
export interface SubscriptionOptions extends ReceivableEntityOptions {
  rules?: RuleDefinition[];
}

/** Fully defaulted receivable settings, as entities use them. */
export interface ResolvedReceivableOptions {
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresSession: boolean;
  defaultMessageTimeToLiveMs: number | undefined;
  deadLetteringOnMessageExpiration: boolean;
  forwardTo: string | undefined;
  forwardDeadLetteredMessagesTo: string | undefined;
}

/** Fully defaulted duplicate-detection settings. */
export interface ResolvedDuplicateDetection {
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindowMs: number;
}

/** Applies Service Bus's defaults and rejects values Service Bus would reject. */
export function resolveReceivableOptions(options: ReceivableEntityOptions): ResolvedReceivableOptions {
  const resolved: ResolvedReceivableOptions = {
    lockDurationMs: options.lockDurationMs ?? 60_000,
    maxDeliveryCount: options.maxDeliveryCount ?? 10,
    requiresSession: options.requiresSession ?? false,
    defaultMessageTimeToLiveMs: options.defaultMessageTimeToLiveMs,
    deadLetteringOnMessageExpiration: options.deadLetteringOnMessageExpiration ?? false,
    forwardTo: options.forwardTo || undefined,
    forwardDeadLetteredMessagesTo: options.forwardDeadLetteredMessagesTo || undefined,
  };
  if (!(resolved.lockDurationMs > 0)) throw new RangeError('lockDurationMs must be positive');
  if (!(resolved.maxDeliveryCount >= 1)) throw new RangeError('maxDeliveryCount must be at least 1');
  return resolved;
}

/** Applies duplicate-detection defaults. */
export function resolveDuplicateDetection(options: DuplicateDetectionOptions): ResolvedDuplicateDetection {
  return {
    requiresDuplicateDetection: options.requiresDuplicateDetection ?? false,
    duplicateDetectionHistoryTimeWindowMs: options.duplicateDetectionHistoryTimeWindowMs ?? 600_000,
  };
}
