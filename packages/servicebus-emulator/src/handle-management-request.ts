import { type AmqpTyped, amqpTypes, readLong } from './amqp-codec.js';
import { lockTokenFromUuidBytes } from './lock-token.js';
import { parseMessageContent } from './message-content.js';
import type { Disposition, MessageEntity } from './message-entity.js';
import { decodeRuleDescription, encodeRuleDescription } from './rule-description-codec.js';
import { ServiceBusFault } from './service-bus-fault.js';
import type { ResolvedAddress, ServiceBusNamespace } from './service-bus-namespace.js';

/** A `$management` answer before it is wrapped into an AMQP message. */
export interface ManagementResponse {
  statusCode: number;
  statusDescription: string;
  errorCondition?: string;
  body: unknown;
}

type ManagementTarget = Extract<ResolvedAddress, { kind: 'management' }>;
type RequestBody = Record<string, unknown>;

const ok = (body: unknown = {}): ManagementResponse => ({ statusCode: 200, statusDescription: 'OK', body });
const noContent = (): ManagementResponse => ({ statusCode: 204, statusDescription: 'No Content', body: {} });

const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const lockTokensOf = (body: RequestBody) =>
  asArray(body['lock-tokens']).map((token) =>
    Buffer.isBuffer(token) ? lockTokenFromUuidBytes(token) : String(token),
  );
const sessionIdOf = (body: RequestBody) =>
  body['session-id'] === undefined || body['session-id'] === null ? undefined : String(body['session-id']);

const requireEntity = (target: ManagementTarget): MessageEntity => {
  if (!target.entity)
    throw new ServiceBusFault('entityNotFound', `The messaging entity '${target.path}' could not be found.`);
  return target.entity;
};

const requireSubscription = (target: ManagementTarget) => {
  const segments = target.path.split('/');
  if (!target.subscription || segments.length !== 3) {
    throw new ServiceBusFault('argumentError', `Rules exist only on subscriptions, not on '${target.path}'.`);
  }
  return { topic: segments[0]!, subscription: segments[2]! };
};

/** The update-disposition statuses the SDK sends (sic: `defered`). */
function dispositionFromStatus(body: RequestBody): Disposition {
  const properties = (body['properties-to-modify'] ?? undefined) as Record<string, unknown> | undefined;
  switch (body['disposition-status']) {
    case 'completed':
      return { kind: 'complete' };
    case 'abandoned':
      return { kind: 'abandon', propertiesToModify: properties };
    case 'defered':
      return { kind: 'defer', propertiesToModify: properties };
    case 'suspended':
      return {
        kind: 'deadLetter',
        reason: body['deadletter-reason'] === undefined ? undefined : String(body['deadletter-reason']),
        description:
          body['deadletter-description'] === undefined ? undefined : String(body['deadletter-description']),
        propertiesToModify: properties,
      };
    default:
      throw new ServiceBusFault(
        'argumentError',
        `Unknown disposition-status '${String(body['disposition-status'])}'.`,
      );
  }
}

const timestampArray = (values: number[]): AmqpTyped => amqpTypes.wrap_array(values, 0x83);
const longArray = (values: number[]): AmqpTyped => amqpTypes.wrap_array(values, 0x81);

/**
 * Answers one `$management` request (the operations `@azure/service-bus` 7.9 uses). Faults become
 * error statuses with `error-condition`, which the SDK turns into its own error codes.
 */
export function handleManagementRequest(
  namespace: ServiceBusNamespace,
  target: ManagementTarget,
  operation: string,
  body: RequestBody,
): ManagementResponse {
  try {
    return dispatch(namespace, target, operation, body);
  } catch (error) {
    const fault =
      error instanceof ServiceBusFault ? error : new ServiceBusFault('argumentError', String(error));
    return {
      statusCode: fault.statusCode,
      statusDescription: fault.message,
      errorCondition: fault.condition,
      body: null,
    };
  }
}

function dispatch(
  namespace: ServiceBusNamespace,
  target: ManagementTarget,
  operation: string,
  body: RequestBody,
): ManagementResponse {
  switch (operation) {
    case 'com.microsoft:renew-lock': {
      const entity = requireEntity(target);
      return ok({ expirations: timestampArray(lockTokensOf(body).map((token) => entity.renewLock(token))) });
    }
    case 'com.microsoft:peek-message': {
      const from = readLong(body['from-sequence-number'] ?? 1);
      const count = Number(body['message-count'] ?? 1);
      const messages = requireEntity(target).peek(from, count, sessionIdOf(body));
      if (messages.length === 0) return noContent();
      return ok({ messages: messages.map((message) => ({ message })) });
    }
    case 'com.microsoft:schedule-message': {
      const sequenceNumbers = asArray(body.messages).map((item) => {
        const entry = item as RequestBody;
        const content = parseMessageContent(entry.message as Buffer);
        const scheduledFor = content.annotations.find(
          ([key]) => key.value === 'x-opt-scheduled-enqueue-time',
        )?.[1];
        const at = scheduledFor?.value instanceof Date ? scheduledFor.value.getTime() : namespace.clock.now();
        return target.entity
          ? target.entity.schedule(content, at)
          : namespace.scheduleOnTopic(target.path, content, at);
      });
      return ok({ 'sequence-numbers': longArray(sequenceNumbers) });
    }
    case 'com.microsoft:cancel-scheduled-message': {
      const sequenceNumbers = asArray(body['sequence-numbers']).map(readLong);
      if (target.entity) target.entity.cancelScheduled(sequenceNumbers);
      else namespace.cancelScheduledOnTopic(target.path, sequenceNumbers);
      return ok();
    }
    case 'com.microsoft:receive-by-sequence-number': {
      const mode = Number(body['receiver-settle-mode'] ?? 1) === 0 ? 'receiveAndDelete' : 'peekLock';
      const deliveries = requireEntity(target).receiveDeferred(
        asArray(body['sequence-numbers']).map(readLong),
        mode,
        sessionIdOf(body),
      );
      return ok({
        messages: deliveries.map((delivery) => {
          const entry: Record<string, unknown> = { message: delivery.bytes };
          // Unlike a delivery tag, this token travels as a plain uuid (no .NET byte swap).
          if (delivery.lockToken) {
            entry['lock-token'] = amqpTypes.wrap_uuid(
              Buffer.from(delivery.lockToken.replaceAll('-', ''), 'hex'),
            );
          }
          return entry;
        }),
      });
    }
    case 'com.microsoft:update-disposition': {
      const entity = requireEntity(target);
      const disposition = dispositionFromStatus(body);
      for (const token of lockTokensOf(body)) entity.settle(token, disposition);
      return ok();
    }
    case 'com.microsoft:renew-session-lock': {
      const until = requireEntity(target).renewSessionLock(String(body['session-id']));
      return ok({ expiration: amqpTypes.wrap_timestamp(until) });
    }
    case 'com.microsoft:get-session-state': {
      const state = requireEntity(target).getSessionState(String(body['session-id']));
      return ok({ 'session-state': state ?? null });
    }
    case 'com.microsoft:set-session-state': {
      const state = body['session-state'];
      requireEntity(target).setSessionState(
        String(body['session-id']),
        Buffer.isBuffer(state)
          ? state
          : state === null || state === undefined
            ? undefined
            : Buffer.from(String(state)),
      );
      return ok();
    }
    case 'com.microsoft:get-message-sessions': {
      const since = body['last-updated-time'] instanceof Date ? body['last-updated-time'].getTime() : 0;
      const skip = Number(body.skip ?? 0);
      const top = Number(body.top ?? 100);
      const sessions = requireEntity(target)
        .listSessions(since)
        .slice(skip, skip + top);
      if (sessions.length === 0) return noContent();
      return ok({ skip: amqpTypes.wrap_int(skip + sessions.length), 'sessions-ids': sessions });
    }
    case 'com.microsoft:add-rule': {
      const { topic, subscription } = requireSubscription(target);
      const name = String(body['rule-name']);
      const description = (body['rule-description'] ?? {}) as Record<string, unknown>;
      namespace.addRule(topic, subscription, decodeRuleDescription(name, description));
      return ok();
    }
    case 'com.microsoft:remove-rule': {
      const { topic, subscription } = requireSubscription(target);
      namespace.removeRule(topic, subscription, String(body['rule-name']));
      return ok();
    }
    case 'com.microsoft:enumerate-rules': {
      const { topic, subscription } = requireSubscription(target);
      const skip = Number(body.skip ?? 0);
      const top = Number(body.top ?? 100);
      const rules = namespace.listRules(topic, subscription).slice(skip, skip + top);
      if (rules.length === 0) return noContent();
      return ok({ rules: rules.map((rule) => ({ 'rule-description': encodeRuleDescription(rule) })) });
    }
    default:
      throw new ServiceBusFault(
        'notImplemented',
        `The $management operation '${operation}' is not supported by the emulator.`,
      );
  }
}
