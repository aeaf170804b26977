import type { Channel, ConsumeMessage } from 'amqplib';
import { type AckBatcher, createAckBatcher } from './ack-batcher.js';
import type { RabbitMqConnection, Session } from './rabbitmq-connection.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';

/** One message received on a consumer channel, with how to settle it on that channel. */
export interface Received {
  readonly message: ConsumeMessage;
  /** The session the message came on: copies (retries, dead letters) are published on it. */
  readonly session: Session;
  ack(): Promise<void>;
  /** Puts it back on the queue at once (used when a republish failed, so it is not stranded). */
  requeue(): void;
}

export interface QueueConsumerSpec {
  readonly queue: string;
  readonly prefetch: number;
  /** Declares (or checks) the queue and what it needs, on every (re)attach. */
  declare(session: Session): Promise<void>;
  /** Handles one message; resolves once it is settled. Never rejects. */
  handle(received: Received): Promise<void>;
}

/** A consumer that survives its channel and its connection. */
export interface QueueConsumer {
  start(): Promise<void>;
  /** Cancels the consumer, waits for every handed-out message to settle, writes the acks, closes. */
  stop(): Promise<void>;
}

interface Attachment {
  readonly channel: Channel;
  readonly batcher: AckBatcher;
  readonly session: Session;
  consumerTag?: string;
}

/**
 * Consumes one queue with manual acks and `prefetch` unacked messages at most. When the channel
 * or the connection is lost it re-declares and re-attaches by itself (after a reconnect, or with
 * backoff while the connection stays up), so handlers keep receiving without intervention.
 */
export function createQueueConsumer(
  connection: RabbitMqConnection,
  options: ResolvedRabbitMqOptions,
  spec: QueueConsumerSpec,
): QueueConsumer {
  let attachment: Attachment | undefined;
  let attaching: Promise<void> | undefined;
  let stopped = false;
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = options.reconnect.initialMs;
  let unsubscribe: (() => void) | undefined;

  async function attach(session: Session): Promise<void> {
    await spec.declare(session);
    const channel = await session.model.createChannel();
    channel.on('error', (error: Error) =>
      options.logger?.warn(`Consumer channel of '${spec.queue}' failed.`, { error: error.message }),
    );
    const current: Attachment = { channel, batcher: createAckBatcher(channel), session };
    channel.once('close', () => {
      if (attachment !== current) return;
      attachment = undefined;
      // Only the channel went away (the connection's loss is handled by the reconnect listener).
      if (!stopped && connection.current() === session) scheduleReattach();
    });
    await channel.prefetch(spec.prefetch);
    attachment = current;
    const { consumerTag } = await channel.consume(spec.queue, (message) => receive(current, message), {
      noAck: false,
    });
    current.consumerTag = consumerTag;
    retryDelay = options.reconnect.initialMs;
  }

  function receive(current: Attachment, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): re-declare and attach again.
      if (attachment === current) {
        attachment = undefined;
        void current.channel.close().catch(() => {});
        if (!stopped) scheduleReattach();
      }
      return;
    }
    const deliveryTag = message.fields.deliveryTag;
    current.batcher.track(deliveryTag);
    inFlight++;
    spec
      .handle({
        message,
        session: current.session,
        ack: () => current.batcher.ack(deliveryTag),
        requeue: () => current.batcher.requeue(deliveryTag),
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) onIdle?.();
      });
  }

  function reattach(session: Session): void {
    if (stopped || attaching) return;
    attaching = attach(session)
      .catch((error: unknown) => {
        options.logger?.warn(`Could not resume consuming '${spec.queue}'; retrying.`, {
          error: (error as Error).message,
        });
        scheduleReattach();
      })
      .finally(() => {
        attaching = undefined;
      });
  }

  function scheduleReattach(): void {
    if (stopped || retryTimer) return;
    const delay = retryDelay / 2 + Math.random() * (retryDelay / 2);
    retryDelay = Math.min(retryDelay * 2, options.reconnect.maxMs);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      const session = connection.current();
      // Without a connection, the reconnect listener attaches once it is back.
      if (session) reattach(session);
    }, delay);
  }

  return {
    async start() {
      unsubscribe = connection.onReconnect((session) => {
        attachment = undefined;
        reattach(session);
      });
      const session = await connection.session(Date.now() + options.sendTimeoutMs);
      try {
        attaching = attach(session);
        await attaching;
      } catch (error) {
        stopped = true;
        unsubscribe();
        if (attachment) await attachment.channel.close().catch(() => {});
        throw error;
      } finally {
        attaching = undefined;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      if (retryTimer) clearTimeout(retryTimer);
      await attaching;
      const current = attachment;
      if (current?.consumerTag !== undefined)
        await current.channel.cancel(current.consumerTag).catch(() => {});
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          onIdle = resolve;
        });
      }
      if (current) {
        current.batcher.flush();
        attachment = undefined;
        await current.channel.close().catch(() => {});
      }
    },
  };
}
