import type { Transport } from '@omnibus/core';
import { runTransportContract } from '@omnibus/contract-tests';
import amqp from 'amqplib';
import { afterAll, describe, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { brokerReachable, RABBITMQ_URL, START_HINT } from './broker.js';
import { createRabbitMqNativeClient } from './rabbitmq-native-client.js';

// Every queue, topic and rule the suite used, so they are deleted afterwards: a few hundred quorum
// queues left behind by each run would weigh on a shared broker.
const queues = new Set<string>();
const exchanges = new Set<string>();

function tracked(transport: Transport): Transport {
  const withDeadLetters = (queue: string) => {
    queues.add(queue);
    queues.add(`${queue}.dlq`);
  };
  return {
    ...transport,
    send: (queue, messages, options) => {
      withDeadLetters(queue);
      return transport.send(queue, messages, options);
    },
    publish: (topic, messages, options) => {
      exchanges.add(topic);
      return transport.publish(topic, messages, options);
    },
    consume: (source, onDelivery, options) => {
      const of = source.kind === 'dead-letter' ? source.of : source;
      if (of.kind === 'queue') withDeadLetters(of.queue);
      else {
        exchanges.add(of.topic);
        withDeadLetters(`${of.topic}/${of.subscription}`);
      }
      return transport.consume(source, onDelivery, options);
    },
    putRule: (rule) => {
      queues.add(`omnibus.rule.${rule.name}`);
      if ('queue' in rule.target) withDeadLetters(rule.target.queue);
      else exchanges.add(rule.target.topic);
      return transport.putRule(rule);
    },
  };
}

// Each quorum queue holds a few of the broker's file handles; a broker with the common default of
// 1024 descriptors stalls new connections after ~300 of them, and the suite declares about that
// many. So the suite runs on classic queues unless RABBITMQ_QUEUE_TYPE=quorum (for a broker started
// with a higher `ulimit -n`); the quorum-specific behaviour is covered by the other test files.
const queueType = process.env.RABBITMQ_QUEUE_TYPE === 'quorum' ? 'quorum' : 'classic';

// Top-level await: the suite registers only when the broker answers (with CI=true it fails instead).
if (await brokerReachable()) {
  runTransportContract({
    name: `rabbitmq (${queueType} queues)`,
    createTransport: () =>
      tracked(createRabbitMqTransport({ url: RABBITMQ_URL, queueType, connectionName: 'omnibus-contract' })),
    createNonProvisioningTransport: () =>
      tracked(
        createRabbitMqTransport({
          url: RABBITMQ_URL,
          provision: 'never',
          connectionName: 'omnibus-contract',
        }),
      ),
    createNativeClient: () => createRabbitMqNativeClient(RABBITMQ_URL),
  });

  afterAll(async () => {
    const connection = await amqp.connect(RABBITMQ_URL);
    connection.on('error', () => {});
    try {
      for (const [names, remove] of [
        [queues, (channel: amqp.Channel, name: string) => channel.deleteQueue(name)],
        [exchanges, (channel: amqp.Channel, name: string) => channel.deleteExchange(name)],
      ] as const) {
        for (const name of names) {
          // A failed delete closes its channel; one channel per delete keeps the others going.
          const channel = await connection.createChannel();
          channel.on('error', () => {});
          await remove(channel, name).catch(() => {});
          await channel.close().catch(() => {});
        }
      }
    } finally {
      await connection.close().catch(() => {});
    }
  }, 120_000);
} else {
  describe.skip('Omnibus transport contract: rabbitmq', () => {
    it.skip(START_HINT, () => {});
  });
}
