import { randomUUID } from 'node:crypto';
import { type AmqpTyped, amqpTypes } from './amqp-codec.js';
import { type EmulatorClock, systemClock, type TimerHandle } from './emulator-clock.js';
import type { ResolvedReceivableOptions } from './entity-options.js';
import { encodeForTransfer, editContent, type MessageContent } from './message-content.js';
import { createSequenceOrderedQueue, type SequenceOrderedQueue } from './sequence-ordered-queue.js';
import { ServiceBusFault } from './service-bus-fault.js';

/** How a receiver takes messages. */
export type ReceiveMode = 'peekLock' | 'receiveAndDelete';

/** `x-opt-message-state` values the SDK understands. */
const messageStateCodes = { active: 0, deferred: 1, scheduled: 2 } as const;

/** One message held by a queue, a subscription or a dead-letter queue. */
export interface StoredMessage {
  content: MessageContent;
  readonly sequenceNumber: number;
  enqueuedAt: number;
  expiresAt: number | undefined;
  state: 'active' | 'deferred' | 'scheduled';
  scheduledAt: number | undefined;
  /** Deliveries so far; the header carries the value before the current delivery. */
  deliveryCount: number;
  readonly sessionId: string | undefined;
  deadLetterSource: string | undefined;
  lock: MessageLock | undefined;
  removed: boolean;
  timer: TimerHandle | undefined;
}

interface MessageLock {
  token: string;
  until: number;
  timer: TimerHandle | undefined;
  consumer: EntityConsumer | undefined;
}

/** A receiver link as an entity sees it. */
export interface EntityConsumer {
  readonly receiveMode: ReceiveMode;
  /** How many more messages the link can take right now. */
  availableCredit(): number;
  /** Sends one encoded message; `lockToken` is set in peek-lock mode. */
  transfer(bytes: Buffer, lockToken: string | undefined): void;
  /** The consumer's session lock expired; it should detach with the fault. */
  sessionLost(fault: ServiceBusFault): void;
}

/** What an entity needs from its namespace. */
export interface EntityHost {
  readonly clock: EmulatorClock;
  /** Moves content to the named queue or topic (auto-forwarding). */
  forward(targetName: string, content: MessageContent, deadLetterSource: string | undefined): void;
}

/** A settlement, whether it came over the receive link or through `$management`. */
export type Disposition =
  | { kind: 'complete' }
  | { kind: 'abandon'; propertiesToModify?: Record<string, unknown> }
  | { kind: 'defer'; propertiesToModify?: Record<string, unknown> }
  | {
      kind: 'deadLetter';
      reason?: string;
      description?: string;
      propertiesToModify?: Record<string, unknown>;
    };

/** A message handed out through `$management` (receive-by-sequence-number). */
export interface ManagementDelivery {
  bytes: Buffer;
  lockToken: string | undefined;
}

interface SessionRecord {
  readonly id: string;
  readonly available: SequenceOrderedQueue<StoredMessage>;
  owner: EntityConsumer | undefined;
  lockedUntil: number;
  lockTimer: TimerHandle | undefined;
  state: Buffer | undefined;
  lastUpdatedAt: number;
}

interface SessionWaiter {
  consumer: EntityConsumer;
  resolve: (sessionId: string) => void;
  timer: TimerHandle;
}

/** Options for {@link createMessageEntity}. */
export interface MessageEntityInit {
  /** The address clients use, e.g. `orders` or `events/Subscriptions/audit`. */
  path: string;
  options: ResolvedReceivableOptions;
  host: EntityHost;
  /** Dead-letter queues do not dead-letter again and never forward on arrival. */
  kind: 'queue' | 'subscription' | 'deadLetterQueue';
}

/** Message counts by state, for tests and diagnostics. */
export interface EntityCounts {
  active: number;
  locked: number;
  deferred: number;
  scheduled: number;
  deadLettered: number;
}

/** One queue, subscription or dead-letter queue. */
export interface MessageEntity {
  readonly path: string;
  readonly kind: MessageEntityInit['kind'];
  readonly options: ResolvedReceivableOptions;
  readonly deadLetterQueue: MessageEntity | undefined;
  readonly transferDeadLetterQueue: MessageEntity | undefined;
  enqueue(content: MessageContent, deadLetterSource?: string): number;
  adopt(original: StoredMessage, content: MessageContent): void;
  schedule(content: MessageContent, at: number): number;
  cancelScheduled(sequenceNumbers: number[]): void;
  attach(consumer: EntityConsumer): void;
  detach(consumer: EntityConsumer): void;
  pump(): void;
  settle(lockToken: string, disposition: Disposition): void;
  renewLock(lockToken: string): number;
  receiveDeferred(
    sequenceNumbers: number[],
    mode: ReceiveMode,
    sessionId: string | undefined,
  ): ManagementDelivery[];
  peek(fromSequenceNumber: number, count: number, sessionId: string | undefined): Buffer[];
  acceptSession(consumer: EntityConsumer, sessionId: string | undefined, timeoutMs: number): Promise<string>;
  renewSessionLock(sessionId: string): number;
  sessionLockedUntil(sessionId: string): number;
  getSessionState(sessionId: string): Buffer | undefined;
  setSessionState(sessionId: string, state: Buffer | undefined): void;
  listSessions(since: number): string[];
  counts(): EntityCounts;
  dispose(): void;
}

/**
 * The message store behind one queue, subscription or dead-letter queue: ordering, peek-locks,
 * dispositions, delivery counts, deferral, scheduling, expiry and sessions. It knows nothing about
 * AMQP links; receiver links attach as {@link EntityConsumer}s.
 */
export function createMessageEntity(init: MessageEntityInit): MessageEntity {
  const { path, options, host, kind } = init;
  const { clock } = host;
  const isDeliverable = (message: StoredMessage) =>
    !message.removed && message.state === 'active' && message.lock === undefined;
  const messages = new Map<number, StoredMessage>();
  const available = createSequenceOrderedQueue<StoredMessage>(isDeliverable);
  const locks = new Map<string, StoredMessage>();
  const consumers: EntityConsumer[] = [];
  const sessions = new Map<string, SessionRecord>();
  const sessionWaiters: SessionWaiter[] = [];
  let nextSequenceNumber = 1;
  let roundRobin = 0;
  let pumping = false;

  const deadLetterQueue: MessageEntity | undefined =
    kind === 'deadLetterQueue'
      ? undefined
      : createMessageEntity({
          path: `${path}/$DeadLetterQueue`,
          options: {
            ...options,
            requiresSession: false,
            forwardTo: undefined,
            defaultMessageTimeToLiveMs: undefined,
          },
          host,
          kind: 'deadLetterQueue',
        });

  let transferDeadLetterQueue: MessageEntity | undefined;

  const sessionFor = (sessionId: string): SessionRecord => {
    let record = sessions.get(sessionId);
    if (!record) {
      record = {
        id: sessionId,
        available: createSequenceOrderedQueue<StoredMessage>(isDeliverable),
        owner: undefined,
        lockedUntil: 0,
        lockTimer: undefined,
        state: undefined,
        lastUpdatedAt: clock.now(),
      };
      sessions.set(sessionId, record);
    }
    return record;
  };

  const queueOf = (message: StoredMessage) =>
    options.requiresSession && kind !== 'deadLetterQueue'
      ? sessionFor(message.sessionId ?? '').available
      : available;

  const remove = (message: StoredMessage) => {
    message.removed = true;
    message.timer?.cancel();
    if (message.lock) {
      message.lock.timer?.cancel();
      locks.delete(message.lock.token);
      message.lock = undefined;
    }
    messages.delete(message.sequenceNumber);
  };

  const stampFor = (message: StoredMessage, deliveryCount: number): Buffer => {
    const annotations: Array<[string, AmqpTyped]> = [
      ['x-opt-sequence-number', amqpTypes.wrap_long(message.sequenceNumber)],
      ['x-opt-enqueue-sequence-number', amqpTypes.wrap_long(message.sequenceNumber)],
      ['x-opt-enqueued-time', amqpTypes.wrap_timestamp(message.enqueuedAt)],
      ['x-opt-message-state', amqpTypes.wrap_int(messageStateCodes[message.state])],
    ];
    if (message.lock) annotations.push(['x-opt-locked-until', amqpTypes.wrap_timestamp(message.lock.until)]);
    if (message.scheduledAt !== undefined) {
      annotations.push(['x-opt-scheduled-enqueue-time', amqpTypes.wrap_timestamp(message.scheduledAt)]);
    }
    if (message.deadLetterSource) {
      annotations.push(['x-opt-deadletter-source', amqpTypes.wrap_string(message.deadLetterSource)]);
    }
    return encodeForTransfer(message.content, { deliveryCount, annotations });
  };

  const isExpired = (message: StoredMessage) =>
    message.expiresAt !== undefined && message.expiresAt <= clock.now();

  const expire = (message: StoredMessage) => {
    if (options.deadLetteringOnMessageExpiration && kind !== 'deadLetterQueue') {
      deadLetter(message, 'TTLExpiredException', 'The message expired and was dead lettered.', undefined);
    } else {
      remove(message);
    }
  };

  const armExpiry = (message: StoredMessage) => {
    message.timer?.cancel();
    message.timer = undefined;
    if (message.expiresAt === undefined) return;
    message.timer = clock.setTimer(() => {
      message.timer = undefined;
      // A locked message may still be settled; it expires when its lock ends instead.
      if (!message.removed && message.lock === undefined) expire(message);
    }, message.expiresAt - clock.now());
  };

  const toPropertyEdits = (
    properties: Record<string, unknown> | undefined,
    extra?: Record<string, string>,
  ) => {
    const edits = new Map<string, AmqpTyped | undefined>();
    for (const [name, value] of Object.entries(properties ?? {})) edits.set(name, amqpTypes.wrap(value));
    for (const [name, value] of Object.entries(extra ?? {})) edits.set(name, amqpTypes.wrap_string(value));
    return edits;
  };

  /** Moves a message to this entity's dead-letter queue (or where dead letters are forwarded). */
  function deadLetter(
    message: StoredMessage,
    reason: string | undefined,
    description: string | undefined,
    propertiesToModify: Record<string, unknown> | undefined,
  ) {
    remove(message);
    const extra: Record<string, string> = {};
    if (reason !== undefined) extra.DeadLetterReason = reason;
    if (description !== undefined) extra.DeadLetterErrorDescription = description;
    const content = editContent(message.content, {
      applicationProperties: toPropertyEdits(propertiesToModify, extra),
    });
    if (options.forwardDeadLetteredMessagesTo) {
      host.forward(options.forwardDeadLetteredMessagesTo, content, path);
      return;
    }
    deadLetterQueue?.adopt(message, content);
  }

  const releaseLock = (message: StoredMessage) => {
    if (!message.lock) return;
    message.lock.timer?.cancel();
    locks.delete(message.lock.token);
    message.lock = undefined;
  };

  /** Puts an unlocked message back: dead-letters it at the delivery limit, expires it if due. */
  const returnMessage = (message: StoredMessage) => {
    if (message.removed) return;
    if (kind !== 'deadLetterQueue' && message.deliveryCount >= options.maxDeliveryCount) {
      deadLetter(
        message,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${options.maxDeliveryCount} delivery attempts.`,
        undefined,
      );
      return;
    }
    if (isExpired(message)) {
      expire(message);
      return;
    }
    if (message.state === 'active') queueOf(message).add(message);
  };

  const lockMessage = (message: StoredMessage, consumer: EntityConsumer | undefined): string => {
    const token = randomUUID();
    const session =
      message.sessionId !== undefined && options.requiresSession
        ? sessions.get(message.sessionId)
        : undefined;
    const lock: MessageLock = {
      token,
      until: session ? session.lockedUntil : clock.now() + options.lockDurationMs,
      timer: undefined,
      consumer,
    };
    // Session messages live and die with the session lock, not a lock of their own.
    if (!session) {
      lock.timer = clock.setTimer(() => onLockExpired(message, token), options.lockDurationMs);
    }
    message.lock = lock;
    locks.set(token, message);
    return token;
  };

  const onLockExpired = (message: StoredMessage, token: string) => {
    if (message.lock?.token !== token) return;
    releaseLock(message);
    returnMessage(message);
    pump();
  };

  /** Hands one message to a consumer. */
  const deliver = (message: StoredMessage, consumer: EntityConsumer) => {
    const priorDeliveries = message.deliveryCount;
    if (consumer.receiveMode === 'receiveAndDelete') {
      const bytes = stampFor(message, priorDeliveries);
      remove(message);
      consumer.transfer(bytes, undefined);
      return;
    }
    message.deliveryCount++;
    const token = lockMessage(message, consumer);
    consumer.transfer(stampFor(message, priorDeliveries), token);
  };

  const takeNext = (queue: SequenceOrderedQueue<StoredMessage>): StoredMessage | undefined => {
    for (;;) {
      const message = queue.next();
      if (!message) return undefined;
      if (!isExpired(message)) return message;
      expire(message);
    }
  };

  /** Delivers waiting messages to consumers with credit, round-robin. */
  function pump() {
    if (pumping) return;
    pumping = true;
    try {
      if (options.requiresSession && kind !== 'deadLetterQueue') {
        for (const record of sessions.values()) {
          const owner = record.owner;
          if (!owner) continue;
          while (owner.availableCredit() > 0) {
            const message = takeNext(record.available);
            if (!message) break;
            deliver(message, owner);
          }
        }
        serveSessionWaiters();
        return;
      }
      while (consumers.length > 0) {
        let delivered = false;
        for (let tried = 0; tried < consumers.length; tried++) {
          const consumer = consumers[roundRobin++ % consumers.length]!;
          if (consumer.availableCredit() <= 0) continue;
          const message = takeNext(available);
          if (!message) return;
          deliver(message, consumer);
          delivered = true;
        }
        if (!delivered) return;
      }
    } finally {
      pumping = false;
    }
  }

  const activate = (message: StoredMessage) => {
    message.state = 'active';
    if (options.forwardTo && kind !== 'deadLetterQueue') {
      remove(message);
      host.forward(options.forwardTo, message.content, undefined);
      return;
    }
    if (message.sessionId !== undefined && options.requiresSession)
      sessionFor(message.sessionId).lastUpdatedAt = clock.now();
    armExpiry(message);
    queueOf(message).add(message);
    pump();
  };

  const effectiveTimeToLive = (content: MessageContent): number | undefined => {
    const own = content.header.ttlMs;
    const entityDefault = options.defaultMessageTimeToLiveMs;
    if (own === undefined || own === 0) return entityDefault;
    return entityDefault === undefined ? own : Math.min(own, entityDefault);
  };

  const sessionIdOf = (content: MessageContent): string | undefined => {
    const groupId = content.properties.group_id;
    return typeof groupId === 'string' ? groupId : undefined;
  };

  const newMessage = (content: MessageContent, sequenceNumber: number): StoredMessage => ({
    content,
    sequenceNumber,
    enqueuedAt: clock.now(),
    expiresAt: undefined,
    state: 'active',
    scheduledAt: undefined,
    deliveryCount: 0,
    sessionId: sessionIdOf(content),
    deadLetterSource: undefined,
    lock: undefined,
    removed: false,
    timer: undefined,
  });

  const setTimeToLive = (message: StoredMessage) => {
    const ttl = effectiveTimeToLive(message.content);
    message.expiresAt = ttl === undefined ? undefined : message.enqueuedAt + ttl;
    if (ttl !== undefined && ttl !== message.content.header.ttlMs) {
      message.content = { ...message.content, header: { ...message.content.header, ttlMs: ttl } };
    }
  };

  const requireSessionRules = (content: MessageContent) => {
    if (kind === 'deadLetterQueue') return;
    const hasSession = sessionIdOf(content) !== undefined;
    if (options.requiresSession && !hasSession) {
      throw new ServiceBusFault(
        'argumentError',
        `The SessionId was not set on a message, and it cannot be sent to the entity '${path}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
      );
    }
  };

  const requireLock = (lockToken: string): StoredMessage => {
    const message = locks.get(lockToken);
    if (!message?.lock || message.removed || message.lock.until <= clock.now()) {
      throw new ServiceBusFault(
        'messageLockLost',
        `The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue. Reference:${lockToken}, Entity:${path}.`,
      );
    }
    if (message.sessionId !== undefined && options.requiresSession) {
      const session = sessions.get(message.sessionId);
      if (!session?.owner && message.state !== 'deferred') {
        throw new ServiceBusFault(
          'sessionLockLost',
          `The session lock was lost for session '${message.sessionId}'.`,
        );
      }
    }
    return message;
  };

  // ---- sessions -------------------------------------------------------------------------------

  const lockSession = (record: SessionRecord, consumer: EntityConsumer) => {
    record.owner = consumer;
    record.lockedUntil = clock.now() + options.lockDurationMs;
    armSessionLock(record);
  };

  const armSessionLock = (record: SessionRecord) => {
    record.lockTimer?.cancel();
    record.lockTimer = clock.setTimer(() => {
      const owner = record.owner;
      if (!owner) return;
      releaseSession(record);
      owner.sessionLost(
        new ServiceBusFault('sessionLockLost', `The session lock has expired on the session '${record.id}'.`),
      );
    }, record.lockedUntil - clock.now());
  };

  /** Frees a session and returns its locked (not deferred) messages to it, in order. */
  const releaseSession = (record: SessionRecord) => {
    record.owner = undefined;
    record.lockTimer?.cancel();
    record.lockTimer = undefined;
    for (const message of [...locks.values()]) {
      if (message.sessionId === record.id && message.lock?.consumer) {
        releaseLock(message);
        returnMessage(message);
      }
    }
    pump();
  };

  const isFreeWithMessages = (record: SessionRecord) => !record.owner && record.available.hasDeliverable();

  function serveSessionWaiters() {
    while (sessionWaiters.length > 0) {
      const record = [...sessions.values()].find(isFreeWithMessages);
      if (!record) return;
      const waiter = sessionWaiters.shift()!;
      waiter.timer.cancel();
      lockSession(record, waiter.consumer);
      waiter.resolve(record.id);
    }
  }

  const sessionRecordOrThrow = (sessionId: string) => {
    const record = sessions.get(sessionId);
    if (!record?.owner || record.lockedUntil <= clock.now()) {
      throw new ServiceBusFault('sessionLockLost', `The session lock was lost for session '${sessionId}'.`);
    }
    return record;
  };

  return {
    path,
    kind,
    options,
    deadLetterQueue,

    /** The transfer dead-letter queue; the emulator never fails a transfer, so it stays empty. */
    get transferDeadLetterQueue(): MessageEntity | undefined {
      if (kind === 'deadLetterQueue') return undefined;
      transferDeadLetterQueue ??= createMessageEntity({
        path: `${path}/$Transfer/$DeadLetterQueue`,
        options: { ...options, requiresSession: false, forwardTo: undefined },
        host,
        kind: 'deadLetterQueue',
      });
      return transferDeadLetterQueue;
    },

    /**
     * Accepts a message sent (or forwarded) to this entity and returns its sequence number.
     * `deadLetterSource` marks a dead letter forwarded from another entity.
     */
    enqueue(content: MessageContent, deadLetterSource?: string): number {
      requireSessionRules(content);
      const message = newMessage(content, nextSequenceNumber++);
      message.deadLetterSource = deadLetterSource;
      messages.set(message.sequenceNumber, message);
      const scheduledFor = content.annotations.find(
        ([key]) => key.value === 'x-opt-scheduled-enqueue-time',
      )?.[1];
      const scheduledAt = scheduledFor?.value instanceof Date ? scheduledFor.value.getTime() : undefined;
      if (scheduledAt !== undefined && scheduledAt > clock.now()) {
        scheduleAt(message, scheduledAt);
        return message.sequenceNumber;
      }
      setTimeToLive(message);
      activate(message);
      return message.sequenceNumber;
    },

    /** Takes in a message dead-lettered elsewhere, keeping its sequence number and history. */
    adopt(original: StoredMessage, content: MessageContent): void {
      const message: StoredMessage = {
        ...original,
        content,
        state: 'active',
        lock: undefined,
        removed: false,
        timer: undefined,
        expiresAt: undefined,
      };
      messages.set(message.sequenceNumber, message);
      nextSequenceNumber = Math.max(nextSequenceNumber, message.sequenceNumber + 1);
      available.add(message);
      pump();
    },

    /** Schedules content for `at` (epoch ms); returns the sequence number, as schedule-message does. */
    schedule(content: MessageContent, at: number): number {
      requireSessionRules(content);
      const message = newMessage(content, nextSequenceNumber++);
      messages.set(message.sequenceNumber, message);
      if (at <= clock.now()) {
        setTimeToLive(message);
        activate(message);
      } else {
        scheduleAt(message, at);
      }
      return message.sequenceNumber;
    },

    /** Cancels scheduled messages; unknown numbers are not found. */
    cancelScheduled(sequenceNumbers: number[]): void {
      for (const sequenceNumber of sequenceNumbers) {
        const message = messages.get(sequenceNumber);
        if (message?.state !== 'scheduled') {
          throw new ServiceBusFault(
            'messageNotFound',
            `The scheduled message with sequence number ${sequenceNumber} was not found.`,
          );
        }
        remove(message);
      }
    },

    attach(consumer: EntityConsumer): void {
      consumers.push(consumer);
    },

    /** Forgets a consumer. Its locked messages stay locked until they expire, as in Service Bus. */
    detach(consumer: EntityConsumer): void {
      const index = consumers.indexOf(consumer);
      if (index >= 0) consumers.splice(index, 1);
      const waiterIndex = sessionWaiters.findIndex((waiter) => waiter.consumer === consumer);
      if (waiterIndex >= 0) sessionWaiters.splice(waiterIndex, 1)[0]!.timer.cancel();
      for (const record of sessions.values()) {
        if (record.owner === consumer) releaseSession(record);
      }
    },

    pump,

    /** Settles a locked message. Throws `message-lock-lost` when the lock is gone. */
    settle(lockToken: string, disposition: Disposition): void {
      const message = requireLock(lockToken);
      switch (disposition.kind) {
        case 'complete':
          remove(message);
          break;
        case 'abandon':
          releaseLock(message);
          if (disposition.propertiesToModify) {
            message.content = editContent(message.content, {
              applicationProperties: toPropertyEdits(disposition.propertiesToModify),
            });
          }
          returnMessage(message);
          break;
        case 'defer':
          releaseLock(message);
          if (disposition.propertiesToModify) {
            message.content = editContent(message.content, {
              applicationProperties: toPropertyEdits(disposition.propertiesToModify),
            });
          }
          message.state = 'deferred';
          break;
        case 'deadLetter':
          if (kind === 'deadLetterQueue') {
            throw new ServiceBusFault(
              'argumentError',
              'A message in a dead-letter queue cannot be dead-lettered again.',
            );
          }
          deadLetter(message, disposition.reason, disposition.description, disposition.propertiesToModify);
          break;
      }
      pump();
    },

    /** Extends a message lock; returns the new locked-until time. */
    renewLock(lockToken: string): number {
      const message = requireLock(lockToken);
      const lock = message.lock!;
      if (lock.timer) {
        lock.until = clock.now() + options.lockDurationMs;
        lock.timer.cancel();
        lock.timer = clock.setTimer(() => onLockExpired(message, lock.token), options.lockDurationMs);
      }
      return lock.until;
    },

    /** Hands out deferred messages by sequence number (receive-by-sequence-number). */
    receiveDeferred(
      sequenceNumbers: number[],
      mode: ReceiveMode,
      sessionId: string | undefined,
    ): ManagementDelivery[] {
      if (sessionId !== undefined) sessionRecordOrThrow(sessionId);
      const found = sequenceNumbers.map((sequenceNumber) => {
        const message = messages.get(sequenceNumber);
        if (message?.state !== 'deferred' || message.lock || message.sessionId !== sessionId) {
          throw new ServiceBusFault(
            'messageNotFound',
            `Failed to lock one or more specified messages. Either the message is not deferred or it was not found. Sequence number: ${sequenceNumber}.`,
          );
        }
        return message;
      });
      return found.map((message) => {
        const prior = message.deliveryCount;
        if (mode === 'receiveAndDelete') {
          const bytes = stampFor(message, prior);
          remove(message);
          return { bytes, lockToken: undefined };
        }
        message.deliveryCount++;
        const lockToken = lockMessage(message, undefined);
        return { bytes: stampFor(message, prior), lockToken };
      });
    },

    /** Browses messages from a sequence number on, without locking them. */
    peek(fromSequenceNumber: number, count: number, sessionId: string | undefined): Buffer[] {
      const result: Buffer[] = [];
      for (const message of messages.values()) {
        if (result.length >= count) break;
        if (message.sequenceNumber < fromSequenceNumber) continue;
        if (sessionId !== undefined && message.sessionId !== sessionId) continue;
        result.push(stampFor(message, message.deliveryCount));
      }
      return result;
    },

    /**
     * Locks a session for a consumer: the named one, or (with `sessionId` undefined) the next free
     * session with messages, waiting up to `timeoutMs` for one. Resolves with the session id.
     */
    acceptSession(
      consumer: EntityConsumer,
      sessionId: string | undefined,
      timeoutMs: number,
    ): Promise<string> {
      if (sessionId !== undefined) {
        const record = sessionFor(sessionId);
        if (record.owner && record.lockedUntil > clock.now()) {
          return Promise.reject(
            new ServiceBusFault(
              'sessionCannotBeLocked',
              `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`,
            ),
          );
        }
        lockSession(record, consumer);
        return Promise.resolve(sessionId);
      }
      const record = [...sessions.values()].find(isFreeWithMessages);
      if (record) {
        lockSession(record, consumer);
        return Promise.resolve(record.id);
      }
      return new Promise((resolve, reject) => {
        // The wait is the client's operation timeout, so it runs on wall-clock time even when the
        // entity's clock is a manual one.
        const waiter: SessionWaiter = {
          consumer,
          resolve,
          timer: systemClock.setTimer(() => {
            const index = sessionWaiters.indexOf(waiter);
            if (index >= 0) sessionWaiters.splice(index, 1);
            reject(
              new ServiceBusFault(
                'timeout',
                `The operation did not complete within the allocated time ${timeoutMs}ms for object session.`,
              ),
            );
          }, timeoutMs),
        };
        sessionWaiters.push(waiter);
      });
    },

    /** Extends a session lock; returns the new locked-until time. */
    renewSessionLock(sessionId: string): number {
      const record = sessionRecordOrThrow(sessionId);
      record.lockedUntil = clock.now() + options.lockDurationMs;
      armSessionLock(record);
      return record.lockedUntil;
    },

    sessionLockedUntil(sessionId: string): number {
      return sessionRecordOrThrow(sessionId).lockedUntil;
    },

    getSessionState(sessionId: string): Buffer | undefined {
      return sessionRecordOrThrow(sessionId).state;
    },

    setSessionState(sessionId: string, state: Buffer | undefined): void {
      const record = sessionRecordOrThrow(sessionId);
      record.state = state;
      record.lastUpdatedAt = clock.now();
    },

    /** Sessions with state or messages, updated after `since` (get-message-sessions). */
    listSessions(since: number): string[] {
      return [...sessions.values()]
        .filter((record) => record.lastUpdatedAt > since || since <= 0)
        .filter(
          (record) =>
            record.state !== undefined || [...messages.values()].some((m) => m.sessionId === record.id),
        )
        .map((record) => record.id);
    },

    /** Counts by state, for tests and diagnostics. */
    counts(): EntityCounts {
      let active = 0;
      let locked = 0;
      let deferred = 0;
      let scheduled = 0;
      for (const message of messages.values()) {
        if (message.lock) locked++;
        else if (message.state === 'active') active++;
        else if (message.state === 'deferred') deferred++;
        else scheduled++;
      }
      return { active, locked, deferred, scheduled, deadLettered: deadLetterQueue?.counts().active ?? 0 };
    },

    /** Drops every timer (server shutdown). */
    dispose(): void {
      for (const message of messages.values()) {
        message.timer?.cancel();
        message.lock?.timer?.cancel();
      }
      for (const record of sessions.values()) record.lockTimer?.cancel();
      for (const waiter of sessionWaiters.splice(0)) waiter.timer.cancel();
      deadLetterQueue?.dispose();
    },
  };

  function scheduleAt(message: StoredMessage, at: number) {
    message.state = 'scheduled';
    message.scheduledAt = at;
    message.timer = clock.setTimer(() => {
      message.timer = undefined;
      if (message.removed) return;
      message.enqueuedAt = clock.now();
      setTimeToLive(message);
      activate(message);
    }, at - clock.now());
  }
}
