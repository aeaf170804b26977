import type {
  DeadLetterParent,
  DeadLetterStore,
  EncodedMessage,
  LeasedDeadLetter,
} from '@omnibus/core/transport';
import type { Channel, GetMessage } from 'amqplib';
import { toEncodedMessage } from './amqp-message.js';
import type { Outgoing } from './confirm-publisher.js';
import { mapRabbitMqError } from './map-rabbitmq-error.js';
import type { RabbitMqConnection, Session } from './rabbitmq-connection.js';
import { names, type Topology } from './rabbitmq-topology.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';

/** How the store reaches the broker: the transport's own session handling and confirmed publishes. */
export interface RabbitMqDeadLetterHost {
  readonly connection: RabbitMqConnection;
  readonly topology: Topology;
  readonly options: ResolvedRabbitMqOptions;
  /** Publishes confirmed, retrying across a reconnect like `send`. */
  publish(action: string, items: (session: Session) => Promise<readonly Outgoing[]>): Promise<void>;
}

/**
 * Dead-letter management on RabbitMQ. The broker counts a queue's ready messages exactly. It has
 * no browse, so a peek takes messages with `basic.get` and gives them straight back (they are
 * hidden from other readers for that moment). A lease is an unacked `basic.get` on a channel of
 * its own: `remove` acks it, `release` requeues it, and a lost connection requeues it by itself.
 */
export function createRabbitMqDeadLetterStore(host: RabbitMqDeadLetterHost): DeadLetterStore {
  const { connection, topology, options } = host;

  const session = () => connection.session(Date.now() + options.sendTimeoutMs);

  /**
   * The dead-letter queue of `of`, declared first with provision `'auto'`. With `'never'` the
   * queue or subscription must exist (the error names it); its dead-letter queue is created on the
   * first dead letter, so a missing one just means none yet (`queue` undefined).
   */
  async function deadLetterQueue(of: DeadLetterParent): Promise<{ session: Session; queue?: string }> {
    const live = await session();
    const parent = names.source(of);
    if (options.provision === 'auto') {
      await topology.deadLetterQueue(live, parent);
      return { session: live, queue: names.deadLetter(parent) };
    }
    await topology.source(live, of);
    try {
      await topology.deadLetterQueue(live, parent);
    } catch (error) {
      if ((error as { cause?: { code?: unknown } }).cause?.code === 404) return { session: live };
      throw error;
    }
    return { session: live, queue: names.deadLetter(parent) };
  }

  /** Takes up to `limit` messages with basic.get on `channel`, unacked. */
  async function take(channel: Channel, queue: string, limit: number): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    while (taken.length < limit) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      taken.push(message);
    }
    return taken;
  }

  return {
    async count(of) {
      const { session: live, queue } = await deadLetterQueue(of);
      if (queue === undefined) return 0;
      const info = await topology.withChannel(live, `counting the dead letters in '${queue}'`, (channel) =>
        channel.checkQueue(queue),
      );
      return info.messageCount;
    },

    async peek(of, { limit }) {
      const { session: live, queue } = await deadLetterQueue(of);
      if (queue === undefined) return [];
      // Closing the channel requeues everything it took, in order, in one step.
      return topology.withChannel(live, `peeking at the dead letters in '${queue}'`, async (channel) => {
        const taken = await take(channel, queue, limit);
        return taken.map((message) => ({ message: toEncodedMessage(message) }));
      });
    },

    async receive(of, { limit, leaseMs }) {
      const { session: live, queue } = await deadLetterQueue(of);
      if (queue === undefined) return [];
      const action = `leasing dead letters from '${queue}'`;
      let channel: Channel;
      try {
        channel = await live.model.createChannel();
      } catch (error) {
        throw mapRabbitMqError(error, { action, displayUrl: options.displayUrl });
      }
      channel.on('error', () => {});
      let taken: GetMessage[];
      try {
        taken = await take(channel, queue, limit);
      } catch (error) {
        await channel.close().catch(() => {});
        throw mapRabbitMqError(error, { action, displayUrl: options.displayUrl });
      }
      if (taken.length === 0) {
        await channel.close().catch(() => {});
        return [];
      }
      return leaseAll(channel, queue, taken, leaseMs);
    },

    sendToSubscription(of, messages) {
      const queue = names.subscription(of.topic, of.subscription);
      return host.publish(`Redriving to subscription '${queue}'`, async (live) => {
        await topology.source(live, { kind: 'subscription', topic: of.topic, subscription: of.subscription });
        return toQueue(queue, messages);
      });
    },
  };

  /**
   * Leases on one channel. Acks carry no confirmation in AMQP, but a channel's frames are handled
   * in order: once a later `queue.declare` (passive) returns, every ack before it was recorded.
   * Removals in the same turn share one such round trip. The channel closes when the last lease
   * ends, requeueing whatever is still unacked (the lease timer ends them too).
   */
  function leaseAll(
    channel: Channel,
    queue: string,
    taken: GetMessage[],
    leaseMs: number,
  ): LeasedDeadLetter[] {
    let open = taken.length;
    let flush: Promise<void> | undefined;
    let closing = false;
    const timer = setTimeout(() => closeChannel(), leaseMs);
    timer.unref();

    function closeChannel(): void {
      if (closing) return;
      closing = true;
      clearTimeout(timer);
      channel.close().catch(() => {});
    }
    const ended = () => {
      if (--open === 0) void (flush ?? Promise.resolve()).finally(closeChannel);
    };
    const recorded = (): Promise<void> => {
      flush ??= Promise.resolve().then(async () => {
        flush = undefined;
        try {
          await channel.checkQueue(queue);
        } catch (error) {
          throw mapRabbitMqError(error, {
            action: `removing dead letters from '${queue}'`,
            displayUrl: options.displayUrl,
          });
        }
      });
      return flush;
    };

    return taken.map((message) => {
      let settled = false;
      const settle = () => {
        if (settled || closing) throw new Error(`The lease of this dead letter in '${queue}' already ended.`);
        settled = true;
      };
      return {
        message: toEncodedMessage(message),
        async remove() {
          settle();
          channel.ack(message);
          try {
            await recorded();
          } finally {
            ended();
          }
        },
        async release() {
          if (settled || closing) return;
          settled = true;
          channel.nack(message, false, true);
          ended();
        },
      };
    });
  }
}

function toQueue(queue: string, messages: readonly EncodedMessage[]): Outgoing[] {
  return messages.map((message) => ({ exchange: '', routingKey: queue, message, mandatory: true }));
}
