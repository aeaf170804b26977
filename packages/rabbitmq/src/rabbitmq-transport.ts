import { ClosedError, ConnectionError, UnsupportedFeatureError } from '@omnibus/core';
import type {
  EncodedMessage,
  RuleDefinition,
  Transport,
  TransportSubscription,
} from '@omnibus/core/transport';
import { compileRuleBindings } from './compile-rule-bindings.js';
import type { Outgoing } from './confirm-publisher.js';
import { delayBucket } from './delay-buckets.js';
import type { QueueConsumer } from './queue-consumer.js';
import { rabbitMqCapabilities } from './rabbitmq-capabilities.js';
import { createRabbitMqDeadLetterStore } from './rabbitmq-dead-letter-store.js';
import { createRabbitMqConnection, type Session } from './rabbitmq-connection.js';
import { consumeSource } from './rabbitmq-consumer.js';
import { names, createTopology } from './rabbitmq-topology.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';
import { createRuleForwarder } from './rule-forwarder.js';
import { createSendDeadlines } from './send-deadlines.js';

interface ActiveRule {
  readonly fingerprint: string;
  readonly bindings: readonly Readonly<Record<string, string>>[];
  readonly forwarder: QueueConsumer;
}

/** The Transport SPI over one AMQP connection. Options are already validated. */
export function createTransport(options: ResolvedRabbitMqOptions): Transport {
  const connection = createRabbitMqConnection(options);
  const topology = createTopology(options);
  // After a reconnect the broker may have lost non-durable state or been reset: declare again.
  connection.onReconnect(() => topology.forget());
  const subscriptions = new Set<TransportSubscription>();
  const rules = new Map<string, ActiveRule>();
  let closed = false;

  /**
   * Runs `work` on the live session. If the connection drops before the broker confirmed, waits
   * for the reconnect and publishes again (consumers deduplicate by id), until `sendTimeoutMs`
   * has passed: then it rejects with `ConnectionError`. It never resolves unconfirmed.
   */
  // One timer bounds every send's wait for its confirms.
  const deadlines = createSendDeadlines();

  async function withSession(
    action: string,
    signal: AbortSignal | undefined,
    work: (session: Session) => Promise<void>,
  ) {
    if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
    const deadline = Date.now() + options.sendTimeoutMs;
    for (;;) {
      const session = await connection.session(deadline, signal);
      try {
        await withDeadline(work(session), deadline, action);
        return;
      } catch (error) {
        const lost = connection.current() !== session;
        if (ConnectionError.isInstance(error) && lost && Date.now() < deadline && !signal?.aborted && !closed)
          continue;
        throw error;
      }
    }
  }

  function withDeadline(work: Promise<void>, deadline: number, action: string): Promise<void> {
    return deadlines.bound(
      work,
      deadline - Date.now(),
      () =>
        new ConnectionError(
          `${action}: the broker did not confirm within ${options.sendTimeoutMs} ms (sendTimeoutMs). The message may or may not have been stored.`,
          { transport: 'rabbitmq' },
        ),
    );
  }

  const toQueue = (exchange: string, queue: string, messages: readonly EncodedMessage[]): Outgoing[] =>
    messages.map((message) => ({ exchange, routingKey: queue, message, mandatory: true }));

  const deadLetterStore = createRabbitMqDeadLetterStore({
    connection,
    topology,
    options,
    publish: (action, items) =>
      withSession(action, undefined, async (session) => {
        await session.publisher.publish(await items(session));
      }),
  });

  const transport: Transport = {
    specificationVersion: 'v1',
    name: 'rabbitmq',
    capabilities: rabbitMqCapabilities(options.ordering),
    provision: options.provision,
    deadLetterStore,
    watchConnection: (listener) => connection.watch(listener),

    async connect() {
      if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
      await connection.connect();
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...rules.values()].map((rule) => rule.forwarder.stop()));
      rules.clear();
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.stop()));
      await connection.close();
    },

    send(queue, messages, sendOptions) {
      return withSession(`Sending to queue '${queue}'`, sendOptions.signal, async (session) => {
        await topology.queue(session, queue);
        const delayMs = sendOptions.delayMs ?? 0;
        if (delayMs <= 0) {
          await session.publisher.publish(toQueue('', queue, messages));
          return;
        }
        // The delay queue dead-letters to the default exchange with the routing key used here.
        const bucket = delayBucket(delayMs);
        await topology.delay(session, bucket);
        await session.publisher.publish(toQueue(names.delay(bucket), queue, messages));
      });
    },

    publish(topic, messages, sendOptions) {
      if (sendOptions.delayMs) {
        return Promise.reject(
          new UnsupportedFeatureError(
            'delayed publish to a topic',
            'delays apply to queues only; send to a queue instead.',
            {
              transport: 'rabbitmq',
            },
          ),
        );
      }
      return withSession(`Publishing to topic '${topic}'`, sendOptions.signal, async (session) => {
        await topology.topic(session, topic);
        // Not mandatory: a topic without subscriptions drops what is published, as everywhere.
        await session.publisher.publish(
          messages.map((message) => ({ exchange: topic, routingKey: '', message, mandatory: false })),
        );
      });
    },

    emit(events) {
      return withSession('Emitting events', undefined, async (session) => {
        await topology.eventsExchange(session);
        await session.publisher.publish(
          events.map((message) => ({
            exchange: options.eventsExchange,
            routingKey: '',
            message,
            mandatory: false,
          })),
        );
      });
    },

    async consume(source, onDelivery, consumeOptions) {
      if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
      const subscription = await consumeSource(
        connection,
        topology,
        options,
        source,
        onDelivery,
        consumeOptions,
      );
      const tracked: TransportSubscription = {
        async stop() {
          subscriptions.delete(tracked);
          await subscription.stop();
        },
      };
      subscriptions.add(tracked);
      return tracked;
    },

    async putRule(rule) {
      if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
      const fingerprint = JSON.stringify([rule.pattern, rule.target]);
      const previous = rules.get(rule.name);
      if (previous?.fingerprint === fingerprint) return;
      const bindings = compileRuleBindings(rule.pattern);
      const forwarder = createRuleForwarder(connection, topology, options, rule, bindings);
      rules.set(rule.name, { fingerprint, bindings, forwarder });
      try {
        await previous?.forwarder.stop();
        await forwarder.start();
        if (previous) await unbindStale(rule, previous.bindings, bindings);
      } catch (error) {
        rules.delete(rule.name);
        throw error;
      }
    },

    async deleteRule(name) {
      if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
      const active = rules.get(name);
      rules.delete(name);
      await active?.forwarder.stop();
      if (options.provision !== 'auto') return;
      const session = await connection.session(Date.now() + options.sendTimeoutMs);
      // Deleting the rule's queue removes its bindings with it; absent queues delete fine.
      await topology.withChannel(session, `deleting rule '${name}'`, (channel) =>
        channel.deleteQueue(names.rule(name)),
      );
      topology.forget(`rule:${names.rule(name)}`);
    },
  };
  return transport;

  /** Removes the header bindings the previous definition had and the new one does not. */
  async function unbindStale(
    rule: RuleDefinition,
    before: readonly Readonly<Record<string, string>>[],
    after: readonly Readonly<Record<string, string>>[],
  ): Promise<void> {
    if (options.provision !== 'auto') return;
    const keep = new Set(after.map((binding) => JSON.stringify(binding)));
    const stale = before.filter((binding) => !keep.has(JSON.stringify(binding)));
    if (stale.length === 0) return;
    const session = await connection.session(Date.now() + options.sendTimeoutMs);
    await topology.withChannel(session, `updating rule '${rule.name}'`, async (channel) => {
      for (const binding of stale)
        await channel.unbindQueue(names.rule(rule.name), options.eventsExchange, '', binding);
    });
  }
}
