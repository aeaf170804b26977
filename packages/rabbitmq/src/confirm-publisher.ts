import { ConfigurationError, ConnectionError } from '@omnibus/core';
import type { EncodedMessage } from '@omnibus/core/transport';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { mapRabbitMqError } from './map-rabbitmq-error.js';

/** One message to publish, with where it goes. */
export interface Outgoing {
  readonly exchange: string;
  readonly routingKey: string;
  readonly message: EncodedMessage;
  /** Transport headers added beside the message's attributes (the carried attempt). */
  readonly extraHeaders?: Readonly<Record<string, string | number>>;
  /** Ask the broker to return the message when no queue is bound, which rejects the publish. */
  readonly mandatory: boolean;
}

/**
 * Publishes on one confirm channel, pipelined: a batch is written without waiting, then every
 * confirm is awaited together. Resolves only when the broker acked every message; a nack, a
 * `basic.return` (unroutable, with `mandatory`) or a lost channel rejects.
 */
export interface ConfirmPublisher {
  publish(items: readonly Outgoing[]): Promise<void>;
}

export async function createConfirmPublisher(
  model: ChannelModel,
  displayUrl: string,
): Promise<ConfirmPublisher> {
  let channel: Promise<ConfirmChannel> | undefined;
  // Keys of messages the broker returned; the return always arrives before the message's confirm.
  const returned = new Map<string, number>();
  let lastChannelError: Error | undefined;

  const open = (): Promise<ConfirmChannel> => {
    lastChannelError = undefined;
    const opening = model.createConfirmChannel().then((created) => {
      created.on('return', (message: Message) => {
        const key = returnKey(
          message.fields.exchange,
          message.fields.routingKey,
          message.properties.messageId,
        );
        returned.set(key, (returned.get(key) ?? 0) + 1);
      });
      created.on('error', (error: Error) => {
        lastChannelError = error;
      });
      created.once('close', () => {
        // A channel error (e.g. publishing to a deleted exchange) closes only this channel: the
        // next publish opens a new one on the same connection.
        if (channel === opening) channel = undefined;
      });
      return created;
    });
    channel = opening;
    return opening;
  };
  await open();

  return {
    async publish(items) {
      let target: ConfirmChannel;
      try {
        target = await (channel ?? open());
      } catch (error) {
        throw mapRabbitMqError(error, { action: 'opening a publish channel', displayUrl });
      }
      const confirms: Promise<void>[] = new Array(items.length);
      for (let index = 0; index < items.length; index++) {
        const item = items[index]!;
        const { message } = item;
        const headers: Record<string, unknown> = { ...message.attributes, ...item.extraHeaders };
        const content = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
        let written = true;
        confirms[index] = new Promise<void>((resolve, reject) => {
          try {
            written = target.publish(
              item.exchange,
              item.routingKey,
              content,
              {
                persistent: true,
                mandatory: item.mandatory,
                messageId: message.id,
                // A foreign message's own content type survives its retry and dead-letter copies.
                contentType: message.contentType ?? 'application/json',
                headers,
              },
              (error: unknown) => {
                if (error) {
                  reject(publishError(error, item));
                  return;
                }
                if (item.mandatory && returned.size > 0) {
                  const key = returnKey(item.exchange, item.routingKey, message.id);
                  const count = returned.get(key);
                  if (count !== undefined) {
                    if (count <= 1) returned.delete(key);
                    else returned.set(key, count - 1);
                    reject(unroutable(item));
                    return;
                  }
                }
                resolve();
              },
            );
          } catch (error) {
            reject(publishError(error, item));
          }
        });
        // The socket buffer is full: wait for it to drain before writing more (bounded memory).
        if (!written) await drained(target);
      }
      const results = await Promise.allSettled(confirms);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };

  function publishError(error: unknown, item: Outgoing): Error {
    const where = describeTarget(item);
    if (error instanceof Error && /nack/i.test(error.message)) {
      return new ConnectionError(
        `The broker refused (nacked) a message sent to ${where}; it was not stored. Retry the send.`,
        {
          cause: error,
          transport: 'rabbitmq',
        },
      );
    }
    return mapRabbitMqError(lastChannelError ?? error, { action: `sending to ${where}`, displayUrl });
  }
}

function unroutable(item: Outgoing): Error {
  return new ConfigurationError(
    `A message sent to ${describeTarget(item)} was returned as unroutable: no queue is bound there. ` +
      "Create the queue (or use provision: 'auto').",
    { transport: 'rabbitmq' },
  );
}

function describeTarget(item: Outgoing): string {
  return item.exchange === '' ? `queue '${item.routingKey}'` : `exchange '${item.exchange}'`;
}

function returnKey(exchange: string, routingKey: string, messageId: unknown): string {
  return `${exchange}\u0000${routingKey}\u0000${String(messageId)}`;
}

function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}
