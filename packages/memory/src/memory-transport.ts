import {
  ClosedError,
  ConfigurationError,
  MessageTooLargeError,
  UnsupportedFeatureError,
} from '@omnibus/core';
import {
  type ConsumeOptions,
  type DeliveryHandler,
  type EncodedMessage,
  encodedSize,
  type RuleDefinition,
  type SendOptions,
  type SourceRef,
  type Transport,
  type TransportSubscription,
} from '@omnibus/core/transport';
import type { MemoryBroker } from './memory-broker.js';
import { MAX_DELAY_MS, memoryCapabilities } from './memory-capabilities.js';
import { type MemoryTransportOptions, resolveMemoryTransportOptions } from './memory-transport-options.js';
import { createMemoryDeadLetterStore } from './memory-dead-letter-store.js';
import { QueueConsumer } from './queue-consumer.js';

/** The memory transport: the `Transport` SPI plus the broker behind it, for tests. */
export interface MemoryTransport extends Transport {
  /** The broker this transport talks to: inspect queues, inject faults, wait until idle. */
  readonly broker: MemoryBroker;
}

/**
 * Creates an in-memory transport. Buses whose transports share a broker (by default the
 * process-wide one `memory://` uses) exchange messages as if through a real broker.
 *
 * ```ts
 * const bus = await createBus({ transport: createMemoryTransport({ maxMessageBytes: 64 * 1024 }) });
 * ```
 */
export function createMemoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const { broker, maxMessageBytes, visibilityTimeoutMs, provision } = resolveMemoryTransportOptions(options);
  const capabilities = memoryCapabilities(maxMessageBytes);
  const consumers = new Set<QueueConsumer>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed)
      throw new ClosedError('The memory transport is closed; create a new one.', { transport: 'memory' });
  };
  const deadLetterStore = createMemoryDeadLetterStore(broker, provision, ensureOpen);

  /** Refuses the whole batch if one message is too large, before anything is stored. */
  const checkBatch = (messages: readonly EncodedMessage[]): void => {
    if (!Array.isArray(messages))
      throw new ConfigurationError('Expected an array of encoded messages.', { transport: 'memory' });
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index]!;
      // Cheap upper bound first (UTF-8 takes at most 3 bytes per UTF-16 unit); exact size only near the limit.
      if (roughSize(message) <= maxMessageBytes) continue;
      const size = encodedSize(message);
      if (size > maxMessageBytes)
        throw new MessageTooLargeError(size, maxMessageBytes, { transport: 'memory' });
    }
  };

  const dueAt = (options: SendOptions | undefined): number | undefined => {
    const delayMs = options?.delayMs;
    if (delayMs === undefined || delayMs === 0) return undefined;
    if (typeof delayMs !== 'number' || !(delayMs >= 0)) {
      throw new ConfigurationError(`delayMs must be a number >= 0; got ${String(delayMs)}.`, {
        transport: 'memory',
      });
    }
    if (delayMs > MAX_DELAY_MS) {
      throw new UnsupportedFeatureError(
        'delayed delivery',
        `a delay of ${delayMs} ms exceeds the maximum of ${MAX_DELAY_MS} ms.`,
        {
          transport: 'memory',
        },
      );
    }
    return broker.clock.now() + delayMs;
  };

  return {
    specificationVersion: 'v1',
    name: 'memory',
    capabilities,
    provision,
    broker,
    deadLetterStore,

    async connect() {
      ensureOpen();
    },

    async close() {
      if (closed) return;
      closed = true;
      // Core stops every consumer first; one still attached is dropped like a lost connection,
      // so its unsettled deliveries come back after the visibility timeout.
      for (const consumer of [...consumers]) consumer.crash();
      consumers.clear();
      deadLetterStore.releaseAll();
    },

    async send(queue: string, messages: readonly EncodedMessage[], options?: SendOptions) {
      ensureOpen();
      checkBatch(messages);
      const at = dueAt(options);
      const target = broker.queueFor(checkName('queue', queue), provision);
      broker.checkSend();
      if (options?.ordering === 'key') target.ordered = true;
      broker.store(target, messages, at);
      await broker.pace();
    },

    async publish(topic: string, messages: readonly EncodedMessage[], options?: SendOptions) {
      ensureOpen();
      checkBatch(messages);
      const at = dueAt(options);
      const target = broker.topicFor(checkName('topic', topic), provision);
      broker.checkSend();
      broker.publish(target, messages, at);
      await broker.pace();
    },

    async emit(events: readonly EncodedMessage[]) {
      ensureOpen();
      checkBatch(events);
      broker.checkSend();
      broker.emit(events);
      await broker.pace();
    },

    async consume(
      source: SourceRef,
      onDelivery: DeliveryHandler,
      options: ConsumeOptions,
    ): Promise<TransportSubscription> {
      ensureOpen();
      const concurrency = options?.concurrency;
      const maxAttempts = options?.maxAttempts ?? Number.POSITIVE_INFINITY;
      const problems: string[] = [];
      if (typeof onDelivery !== 'function') problems.push('onDelivery must be a function');
      if (!Number.isInteger(concurrency) || concurrency < 1)
        problems.push(`concurrency must be an integer >= 1; got ${String(concurrency)}`);
      if (!(maxAttempts >= 1)) problems.push(`maxAttempts must be >= 1; got ${String(maxAttempts)}`);
      if (problems.length > 0)
        throw new ConfigurationError(`Invalid consume options: ${problems.join('; ')}.`, {
          transport: 'memory',
        });

      const queue = broker.sourceFor(source, provision);
      if (options.ordering === 'key') queue.ordered = true;
      const consumer = new QueueConsumer(queue, onDelivery, concurrency, visibilityTimeoutMs, maxAttempts);
      consumer.onStopped = (stopped) => consumers.delete(stopped);
      consumers.add(consumer);
      queue.attach(consumer);
      // Hand out only `stop`: crashing is fault injection, reached through the broker.
      return { stop: () => consumer.stop() };
    },

    async putRule(rule: RuleDefinition) {
      ensureOpen();
      broker.storeRule(rule, provision);
    },

    async deleteRule(name: string) {
      ensureOpen();
      broker.deleteRule(name);
    },
  };
}

function roughSize(message: EncodedMessage): number {
  let size = message.body.byteLength;
  const attributes = message.attributes;
  for (const name in attributes) size += (name.length + attributes[name]!.length) * 3;
  return size;
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigurationError(`A ${kind} name must be a non-empty string; got ${String(name)}.`, {
      transport: 'memory',
    });
  }
  return name;
}
