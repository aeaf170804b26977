import type { SourceRef } from '@omnibus/core/transport';
import type { Channel } from 'amqplib';
import { mapRabbitMqError } from './map-rabbitmq-error.js';
import type { Session } from './rabbitmq-connection.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';

/**
 * Native names, deterministic from what the user wrote:
 *
 * | Omnibus                       | RabbitMQ                                                     |
 * |-------------------------------|--------------------------------------------------------------|
 * | queue `q`                     | queue `q` (quorum), dead letters in queue `q.dlq`            |
 * | topic `t`                     | fanout exchange `t`                                          |
 * | subscription `s` of topic `t` | queue `t/s` bound to exchange `t`, dead letters in `t/s.dlq` |
 * | delay bucket of `n` ms        | fanout exchange + queue `omnibus.delay.n` (TTL n, DLX '')    |
 * | rule `r`                      | queue `omnibus.rule.r` bound to the events exchange          |
 */
export const names = {
  source(ref: SourceRef): string {
    switch (ref.kind) {
      case 'queue':
        return ref.queue;
      case 'subscription':
        return names.subscription(ref.topic, ref.subscription);
      case 'dead-letter':
        return names.deadLetter(names.source(ref.of));
    }
  },
  subscription: (topic: string, subscription: string) => `${topic}/${subscription}`,
  deadLetter: (queue: string) => `${queue}.dlq`,
  delay: (bucketMs: number) => `omnibus.delay.${bucketMs}`,
  rule: (rule: string) => `omnibus.rule.${rule}`,
};

/**
 * Declares (provision `'auto'`) or checks (provision `'never'`) what the transport uses, once per
 * connection: the cache is dropped on reconnect so everything is re-declared after a broker restart.
 * Declarations run on short-lived channels, because a refused declaration closes its channel.
 */
export interface Topology {
  /**
   * A queue that messages are sent to and consumed from. Its dead-letter queue is declared when
   * first used (each quorum queue costs the broker file handles; most queues never dead-letter).
   */
  queue(session: Session, queue: string): Promise<void>;
  /** The dead-letter queue of `queue`. */
  deadLetterQueue(session: Session, queue: string): Promise<void>;
  /** Whatever `source` names: a queue, a subscription queue bound to its topic, or a dead-letter queue. */
  source(session: Session, source: SourceRef): Promise<void>;
  topic(session: Session, topic: string): Promise<void>;
  delay(session: Session, bucketMs: number): Promise<void>;
  eventsExchange(session: Session): Promise<void>;
  /** A rule's queue and its header bindings on the events exchange. */
  ruleQueue(session: Session, rule: string): Promise<void>;
  /** Runs `work` on a short-lived channel, mapping errors with `action`. */
  withChannel<T>(session: Session, action: string, work: (channel: Channel) => Promise<T>): Promise<T>;
  /** Forgets what was declared (after a reconnect, or after deleting something). */
  forget(key?: string): void;
}

export function createTopology(options: ResolvedRabbitMqOptions): Topology {
  const declared = new Map<string, Promise<void>>();
  const auto = options.provision === 'auto';
  const typeArguments = { 'x-queue-type': options.queueType };

  const once = (
    key: string,
    session: Session,
    action: string,
    work: (channel: Channel) => Promise<unknown>,
  ) => {
    let pending = declared.get(key);
    if (!pending) {
      pending = topology.withChannel(session, action, work).then(() => undefined);
      declared.set(key, pending);
      // A failed declaration is not cached: the next use tries again.
      pending.catch(() => {
        if (declared.get(key) === pending) declared.delete(key);
      });
    }
    return pending;
  };

  const sourceQueueArguments = (queue: string) => ({
    ...typeArguments,
    // Only the broker dead-letters through these (e.g. an operator's delivery-limit policy);
    // Omnibus's own dead letters are confirmed publishes to the same queue.
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.deadLetter(queue),
    ...(options.ordering === 'single-active-consumer' ? { 'x-single-active-consumer': true } : {}),
  });

  const declareQueue = async (channel: Channel, queue: string, args: Record<string, unknown>) => {
    if (auto) await channel.assertQueue(queue, { durable: true, arguments: args });
    else await channel.checkQueue(queue);
  };

  const topology: Topology = {
    queue(session, queue) {
      return once(`queue:${queue}`, session, `declaring queue '${queue}'`, async (channel) => {
        await declareQueue(channel, queue, sourceQueueArguments(queue));
      });
    },
    deadLetterQueue(session, queue) {
      const name = names.deadLetter(queue);
      return once(`dlq:${name}`, session, `declaring dead-letter queue '${name}'`, (channel) =>
        declareQueue(channel, name, typeArguments),
      );
    },
    async source(session, source) {
      switch (source.kind) {
        case 'queue':
          return topology.queue(session, source.queue);
        case 'dead-letter':
          return topology.deadLetterQueue(session, names.source(source.of));
        case 'subscription': {
          const { topic, subscription } = source;
          const queue = names.subscription(topic, subscription);
          await topology.topic(session, topic);
          await topology.queue(session, queue);
          return once(`binding:${queue}`, session, `binding subscription '${queue}'`, async (channel) => {
            if (auto) await channel.bindQueue(queue, topic, '');
          });
        }
      }
    },
    topic(session, topic) {
      return once(`topic:${topic}`, session, `declaring topic exchange '${topic}'`, async (channel) => {
        if (auto) await channel.assertExchange(topic, 'fanout', { durable: true });
        else await channel.checkExchange(topic);
      });
    },
    delay(session, bucketMs) {
      const name = names.delay(bucketMs);
      return once(`delay:${bucketMs}`, session, `declaring delay queue '${name}'`, async (channel) => {
        if (!auto) {
          await channel.checkExchange(name);
          await channel.checkQueue(name);
          return;
        }
        await channel.assertExchange(name, 'fanout', { durable: true });
        await channel.assertQueue(name, {
          durable: true,
          // Always quorum, whatever queueType says: the bucket queues are shared by every queue,
          // and quorum queues dead-letter expired messages at least once.
          arguments: {
            'x-queue-type': 'quorum',
            'x-message-ttl': bucketMs,
            // Expired messages go back through the default exchange under the routing key they
            // were published with: the queue they are delayed for.
            'x-dead-letter-exchange': '',
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
          },
        });
        await channel.bindQueue(name, name, '');
      });
    },
    eventsExchange(session) {
      const name = options.eventsExchange;
      return once(`events:${name}`, session, `declaring events exchange '${name}'`, async (channel) => {
        if (auto) await channel.assertExchange(name, 'headers', { durable: true });
        else await channel.checkExchange(name);
      });
    },
    ruleQueue(session, rule) {
      const queue = names.rule(rule);
      return once(`rule:${queue}`, session, `declaring rule queue '${queue}'`, (channel) =>
        declareQueue(channel, queue, typeArguments),
      );
    },
    async withChannel(session, action, work) {
      let channel: Channel | undefined;
      try {
        channel = await session.model.createChannel();
        // A refused declaration closes the channel with an 'error' event; the rejection carries it.
        channel.on('error', () => {});
        const result = await work(channel);
        await channel.close().catch(() => {});
        return result;
      } catch (error) {
        throw mapRabbitMqError(error, { action, displayUrl: options.displayUrl });
      }
    },
    forget(key) {
      if (key === undefined) declared.clear();
      else declared.delete(key);
    },
  };
  return topology;
}
