import amqp from 'amqplib';
import { Names } from '../messages.js';

/**
 * Deletes the queues and the topic exchange one namespaced run declared on RabbitMQ, so runs do not
 * pile up queues on a shared broker (each quorum queue holds file handles). Rules are deleted through
 * the bus before this. The names follow the RabbitMQ transport's documented mapping: queue `q` with
 * dead letters in `q.dlq`, subscription `s` of topic `t` as queue `t/s`, topic `t` as exchange `t`.
 */
export async function deleteRabbitMqQueues(url: string, subscriptions: string[]): Promise<void> {
  const queues = [
    Names.reserveStock,
    Names.authorizePayment,
    Names.fulfillment,
    Names.compensation,
    Names.financeAlerts,
    ...subscriptions.map((subscription) => `${Names.notifications}/${subscription}`),
  ];
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) {
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}.dlq`);
    }
    await channel.deleteExchange(Names.notifications);
    await channel.close();
  } finally {
    await connection.close();
  }
}
