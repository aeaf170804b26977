import type { Connection, Container, Delivery, EventContext, Session } from 'rhea';
import { amqpMessageCodec, amqpTypes, longBytes } from './amqp-codec.js';
import { toDotNetTicks } from './dotnet-ticks.js';
import { handleManagementRequest } from './handle-management-request.js';
import { parseMessageContent } from './message-content.js';
import type { MessageEntity } from './message-entity.js';
import { rawBytesOf } from './raw-message-capture.js';
import { createReceiverLinkConsumer, type ReceiverLinkConsumer } from './receiver-link-consumer.js';
import type { ServerReceiverLink, ServerSenderLink } from './rhea-server-link.js';
import { ServiceBusFault } from './service-bus-fault.js';
import type { ServiceBusNamespace } from './service-bus-namespace.js';

/** Message format of the SDK's batches: a data section per encoded message. */
const batchMessageFormat = 0x80013700;
const sessionFilterKey = 'com.microsoft:session-filter';
/** How long acceptNextSession waits when the client does not say (the service caps at 65 s). */
const defaultSessionWaitMs = 60_000;

/** Settings the router needs from the emulator's options. */
export interface LinkRouterSettings {
  maxMessageSizeBytes: number;
  log: (line: string) => void;
}

type IncomingRole = { kind: 'cbs' } | { kind: 'management'; path: string } | { kind: 'entity'; path: string };

interface ConnectionState {
  /** Reply links by link name and by target address (the SDK's `reply_to`). */
  readonly replyLinks: Map<string, ServerSenderLink>;
  readonly consumers: Set<ReceiverLinkConsumer>;
}

/**
 * Wires rhea's container events to the namespace: CBS and `$management` request/response, sends
 * into entities, and receive links bound to entities (including session receivers, whose attach
 * is held back until a session is locked).
 */
export function routeAmqpLinks(
  container: Container,
  namespace: ServiceBusNamespace,
  settings: LinkRouterSettings,
) {
  const connections = new WeakMap<Connection, ConnectionState>();
  const incomingRoles = new WeakMap<object, IncomingRole>();
  const consumersByLink = new WeakMap<object, ReceiverLinkConsumer>();
  /** Session receive links whose attach is held back until a session is locked. */
  const heldLinks = new WeakSet<ServerSenderLink>();

  const stateOf = (connection: Connection): ConnectionState => {
    let state = connections.get(connection);
    if (!state) {
      state = { replyLinks: new Map(), consumers: new Set() };
      connections.set(connection, state);
    }
    return state;
  };

  const refuse = (
    link: ServerSenderLink | ServerReceiverLink,
    terminus: 'source' | 'target',
    fault: ServiceBusFault,
  ) => {
    // Service Bus answers with a null terminus, then detaches with the error.
    link.local.attach[terminus] = null;
    link.close(fault.toAmqpError());
  };

  const dropConsumer = (consumer: ReceiverLinkConsumer) => {
    consumer.close();
    stateOf(consumer.link.connection).consumers.delete(consumer);
  };

  container.on('sender_open', (context: EventContext) => {
    const link = context.sender as unknown as ServerSenderLink;
    const remote = link.remote.attach as {
      source?: { address?: string; filter?: Record<string, unknown> };
      target?: { address?: string };
      snd_settle_mode?: number;
      rcv_settle_mode?: number;
      properties?: Record<string, unknown>;
    };
    const address = remote.source?.address ?? '';
    link.local.attach.max_message_size = settings.maxMessageSizeBytes;
    link.local.attach.snd_settle_mode = remote.snd_settle_mode ?? 0;
    link.local.attach.rcv_settle_mode = remote.rcv_settle_mode ?? 0;
    const resolved = namespace.resolve(address);
    if (resolved?.kind === 'cbs' || resolved?.kind === 'management') {
      const state = stateOf(link.connection);
      state.replyLinks.set(link.name, link);
      if (remote.target?.address) state.replyLinks.set(remote.target.address, link);
      link.set_source({ address });
      link.set_target({ address: remote.target?.address ?? '' });
      return;
    }
    if (resolved?.kind !== 'receivable') {
      refuse(
        link,
        'source',
        new ServiceBusFault('entityNotFound', `The messaging entity '${address}' could not be found.`),
      );
      return;
    }
    const entity = resolved.entity;
    const receiveMode = remote.snd_settle_mode === 1 ? 'receiveAndDelete' : 'peekLock';
    const filter = remote.source?.filter;
    const wantsSession = filter !== undefined && filter !== null && sessionFilterKey in filter;
    const consumer = createReceiverLinkConsumer(link, entity, receiveMode, (fault) => {
      dropConsumer(consumer);
      link.close(fault.toAmqpError());
    });
    consumersByLink.set(link, consumer);
    stateOf(link.connection).consumers.add(consumer);
    link.on('sender_flow', (flowContext: EventContext) => {
      consumer.onFlow((flowContext.sender as unknown as ServerSenderLink)._draining);
    });
    for (const outcome of ['accepted', 'rejected', 'modified', 'released']) {
      link.on(outcome, (outcomeContext: EventContext) =>
        consumer.onOutcome(outcomeContext.delivery as Delivery),
      );
    }
    const sessionEntity = entity.options.requiresSession && entity.kind !== 'deadLetterQueue';
    if (!sessionEntity) {
      if (wantsSession) {
        refuse(
          link,
          'source',
          new ServiceBusFault('argumentError', `The entity '${address}' does not require sessions.`),
        );
        return;
      }
      link.set_source({ address });
      entity.attach(consumer);
      return;
    }
    if (!wantsSession) {
      refuse(
        link,
        'source',
        new ServiceBusFault(
          'argumentError',
          `It is not possible for an entity that requires sessions to create a non-sessionful message receiver (${address}).`,
        ),
      );
      return;
    }
    holdAttachUntilSessionLocked(
      link,
      entity,
      consumer,
      address,
      filter[sessionFilterKey],
      remote.properties,
    );
  });

  const holdAttachUntilSessionLocked = (
    link: ServerSenderLink,
    entity: MessageEntity,
    consumer: ReceiverLinkConsumer,
    address: string,
    requestedSession: unknown,
    properties: Record<string, unknown> | undefined,
  ) => {
    // rhea has already queued our attach; take it back so the client keeps waiting.
    link.state.local_open = false;
    link.state.open_requests = 0;
    heldLinks.add(link);
    const sessionId =
      requestedSession === null || requestedSession === undefined ? undefined : String(requestedSession);
    const waitMs = Number(properties?.['com.microsoft:timeout'] ?? defaultSessionWaitMs);
    entity.acceptSession(consumer, sessionId, waitMs).then(
      (lockedSession: string) => {
        if (!heldLinks.delete(link) || !link.connection.is_open()) {
          dropConsumer(consumer);
          return;
        }
        link.set_source({ address, filter: { [sessionFilterKey]: lockedSession } });
        link.local.attach.properties = {
          'com.microsoft:locked-until-utc': amqpTypes.wrap_long(
            longBytes(toDotNetTicks(entity.sessionLockedUntil(lockedSession))),
          ),
        };
        link.open();
        entity.pump();
      },
      (error: unknown) => {
        dropConsumer(consumer);
        if (!heldLinks.delete(link) || !link.connection.is_open()) return;
        const fault =
          error instanceof ServiceBusFault ? error : new ServiceBusFault('argumentError', String(error));
        link.set_source({ address });
        link.open();
        link.close(fault.toAmqpError());
      },
    );
  };

  container.on('receiver_open', (context: EventContext) => {
    const link = context.receiver as unknown as ServerReceiverLink;
    const address = (link.remote.attach as { target?: { address?: string } }).target?.address ?? '';
    link.local.attach.max_message_size = settings.maxMessageSizeBytes;
    const resolved = namespace.resolve(address);
    if (resolved?.kind === 'cbs') {
      incomingRoles.set(link, { kind: 'cbs' });
    } else if (resolved?.kind === 'management') {
      incomingRoles.set(link, { kind: 'management', path: address });
    } else if (namespace.isSendable(address)) {
      incomingRoles.set(link, { kind: 'entity', path: address });
    } else {
      refuse(
        link,
        'target',
        new ServiceBusFault('entityNotFound', `The messaging entity '${address}' could not be found.`),
      );
      return;
    }
    link.set_target({ address });
  });

  const reply = (
    connection: Connection,
    request: Record<string, unknown>,
    response: Record<string, unknown>,
  ) => {
    const replyTo = String(request.reply_to ?? '');
    const link = stateOf(connection).replyLinks.get(replyTo);
    if (!link?.is_open()) {
      settings.log(`no reply link '${replyTo}' for a request; dropped`);
      return;
    }
    link.send({ body: null, ...response, correlation_id: request.message_id as string, to: replyTo });
  };

  container.on('message', (context: EventContext) => {
    const link = context.receiver as unknown as ServerReceiverLink;
    const delivery = context.delivery as Delivery;
    const role = incomingRoles.get(link);
    const message = context.message as unknown as Record<string, unknown>;
    if (!role) {
      delivery.reject({ condition: 'amqp:not-found', description: 'Unknown link' });
      return;
    }
    if (role.kind === 'cbs') {
      // Like the official emulator, any token is accepted.
      delivery.accept();
      reply(link.connection, message, {
        application_properties: { 'status-code': 202, 'status-description': 'Accepted' },
      });
      return;
    }
    if (role.kind === 'management') {
      delivery.accept();
      const target = namespace.resolve(role.path);
      const properties = (message.application_properties ?? {}) as Record<string, unknown>;
      const response =
        target?.kind === 'management'
          ? handleManagementRequest(
              namespace,
              target,
              String(properties.operation ?? ''),
              (message.body ?? {}) as Record<string, unknown>,
            )
          : {
              statusCode: 404,
              statusDescription: `The messaging entity '${role.path}' could not be found.`,
              errorCondition: 'amqp:not-found',
              body: null,
            };
      const applicationProperties: Record<string, unknown> = {
        statusCode: response.statusCode,
        statusDescription: response.statusDescription,
      };
      if (response.errorCondition)
        applicationProperties['error-condition'] = amqpTypes.wrap_symbol(response.errorCondition);
      reply(link.connection, message, { application_properties: applicationProperties, body: response.body });
      return;
    }
    try {
      for (const bytes of incomingMessageBytes(context)) {
        if (bytes.length > settings.maxMessageSizeBytes) {
          throw new ServiceBusFault(
            'messageSizeExceeded',
            `The received message (size ${bytes.length} bytes) exceeds the limit (${settings.maxMessageSizeBytes} bytes).`,
          );
        }
        namespace.send(role.path, parseMessageContent(bytes));
      }
      delivery.accept();
    } catch (error) {
      const fault =
        error instanceof ServiceBusFault ? error : new ServiceBusFault('argumentError', String(error));
      delivery.reject(fault.toAmqpError());
    }
  });

  const closeConsumerOf = (link: unknown) => {
    const consumer = consumersByLink.get(link as object);
    if (consumer) dropConsumer(consumer);
    const held = link as ServerSenderLink;
    if (heldLinks.delete(held)) {
      // The client gave up waiting for a session. It still expects an attach before our detach,
      // which rhea sends once the link counts as locally open.
      held.local.attach.source = null;
      held.open();
    }
  };
  container.on('sender_close', (context: EventContext) => closeConsumerOf(context.sender));
  container.on('sender_error', (context: EventContext) => closeConsumerOf(context.sender));
  container.on('receiver_close', () => undefined);
  container.on('receiver_error', () => undefined);
  const closeSession = (session: Session) => {
    for (const consumer of [...stateOf(session.connection).consumers]) {
      if ((consumer.link.session as unknown) === session) dropConsumer(consumer);
    }
  };
  container.on('session_close', (context: EventContext) => closeSession(context.session as Session));
  container.on('session_error', (context: EventContext) => closeSession(context.session as Session));
  const closeConnection = (connection: Connection) => {
    for (const consumer of [...stateOf(connection).consumers]) dropConsumer(consumer);
  };
  container.on('connection_close', (context: EventContext) => closeConnection(context.connection));
  container.on('connection_error', (context: EventContext) => closeConnection(context.connection));
  container.on('disconnected', (context: EventContext) => closeConnection(context.connection));
  container.on('error', (error: unknown) => settings.log(`amqp error: ${String(error)}`));
}

/** The encoded messages of one transfer: itself, or each message of an SDK batch. */
function incomingMessageBytes(context: EventContext): Buffer[] {
  const format = (context as EventContext & { format?: number }).format;
  if (format === batchMessageFormat) {
    const envelope = amqpMessageCodec.decode(context.message as unknown as Buffer);
    const body = envelope.body as { content: Buffer | Buffer[]; multiple?: boolean };
    return Array.isArray(body.content) ? body.content : [body.content];
  }
  const bytes = rawBytesOf(context.message as object);
  if (!bytes)
    throw new ServiceBusFault('argumentError', 'The emulator could not read the raw message bytes.');
  return [bytes];
}
