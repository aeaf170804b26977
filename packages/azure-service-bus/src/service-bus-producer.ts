import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { MessageTooLargeError } from '@omnibus/core';

const TRANSPORT = 'azure-service-bus';

/** Senders by entity, opened on first use and closed together. */
export interface ServiceBusProducer {
  /**
   * Sends in as few SDK batches as fit (`createMessageBatch`, a new batch whenever one is full),
   * one after the other, resolving when Service Bus accepted every batch.
   */
  send(entity: string, messages: readonly ServiceBusMessage[]): Promise<void>;
  /** Schedules messages for `at` (confirmed); resolves with their sequence numbers. */
  schedule(entity: string, message: ServiceBusMessage, at: Date): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createServiceBusProducer(client: ServiceBusClient): ServiceBusProducer {
  const senders = new Map<string, ServiceBusSender>();
  const senderFor = (entity: string): ServiceBusSender => {
    let sender = senders.get(entity);
    if (!sender) {
      sender = client.createSender(entity);
      senders.set(entity, sender);
    }
    return sender;
  };

  return {
    async send(entity, messages) {
      const sender = senderFor(entity);
      let batch = await sender.createMessageBatch();
      for (const message of messages) {
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) throw tooLarge(message, batch.maxSizeInBytes);
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) throw tooLarge(message, batch.maxSizeInBytes);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    },
    async schedule(entity, message, at) {
      const sender = senderFor(entity);
      const sequenceNumbers = await sender.scheduleMessages(message, at);
      return () => sender.cancelScheduledMessages(sequenceNumbers);
    },
    async close() {
      const all = [...senders.values()];
      senders.clear();
      await Promise.allSettled(all.map((sender) => sender.close()));
    },
  };
}

/** Core checked the size already; this is the AMQP framing pushing a message over the link limit. */
function tooLarge(message: ServiceBusMessage, maxBytes: number): MessageTooLargeError {
  const body = message.body as Buffer;
  let size = body.byteLength;
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    size += name.length + Buffer.byteLength(String(value));
  }
  return new MessageTooLargeError(size, maxBytes, { transport: TRANSPORT });
}
