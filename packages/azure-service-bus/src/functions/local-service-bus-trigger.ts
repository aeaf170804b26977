import { randomUUID } from 'node:crypto';
import {
  InvocationContext,
  type ServiceBusQueueTrigger,
  type ServiceBusTopicTrigger,
  trigger,
} from '@azure/functions';
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { ConfigurationError } from '@omnibus/core';
import { mapAzureServiceBusError } from '../map-azure-service-bus-error.js';

/** Options of `startLocalServiceBusTrigger`. */
export type LocalServiceBusTriggerOptions = {
  /** A client of the namespace (the in-repo emulator, or a real namespace for a dry run). */
  client: ServiceBusClient;
  /** The function handler, invoked as the Functions host invokes it. */
  handler: (messages: unknown, context: InvocationContext) => unknown;
  /** As the trigger's `cardinality`. @default 'one' */
  cardinality?: 'one' | 'many';
  /** Most messages per invocation with `cardinality: 'many'` (host.json `maxMessageBatchSize`). @default 100 */
  maxMessageBatchSize?: number;
  /** How long one receive waits for messages. @default 1000 */
  maxWaitTimeInMs?: number;
  /** Called when an invocation threw (its messages were then abandoned). */
  onInvocationError?: (error: unknown) => void;
  /** Receives the invocation's `context.log`… lines. Default: dropped. */
  log?: (level: string, ...args: unknown[]) => void;
} & ({ queueName: string } | { topicName: string; subscriptionName: string });

/** A running local trigger. */
export interface LocalServiceBusTrigger {
  /** Invocations made so far. */
  readonly invocations: number;
  /** Stops receiving after the current invocation and closes the receiver. */
  stop(): Promise<void>;
}

/**
 * A local stand-in for the Functions host's Service Bus trigger, to run a function handler against
 * the in-repo emulator (or any namespace) the way the host calls it with `autoCompleteMessages`
 * on: it receives in peek-lock (one message, or up to `maxMessageBatchSize` with
 * `cardinality: 'many'`), passes each body as the Node.js worker does (text through `JSON.parse`
 * when that succeeds) with an `InvocationContext` whose `triggerMetadata` holds the documented
 * message metadata (`messageId`, `deliveryCount` counting this delivery, `applicationProperties`,
 * `contentType`, `enqueuedTimeUtc`, `sequenceNumber`, `lockToken`…, or their `…Array` forms for a
 * batch), and then completes every message when the handler returned, or abandons every message
 * when it threw. Service Bus itself dead-letters a message past `MaxDeliveryCount`.
 *
 * One invocation at a time, in receive order. Lock renewal while a handler runs is not done here:
 * keep handlers shorter than the entity's lock duration.
 */
export function startLocalServiceBusTrigger(options: LocalServiceBusTriggerOptions): LocalServiceBusTrigger {
  const cardinality = options.cardinality ?? 'one';
  const batchSize = cardinality === 'many' ? (options.maxMessageBatchSize ?? 100) : 1;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ConfigurationError(`maxMessageBatchSize must be a positive integer; got ${String(batchSize)}.`);
  const entity =
    'queueName' in options ? options.queueName : `${options.topicName}/${options.subscriptionName}`;
  const receiveOptions = { receiveMode: 'peekLock' as const, skipParsingBodyAsJson: true };
  const receiver: ServiceBusReceiver =
    'queueName' in options
      ? options.client.createReceiver(options.queueName, receiveOptions)
      : options.client.createReceiver(options.topicName, options.subscriptionName, receiveOptions);
  const functionTrigger: ServiceBusQueueTrigger | ServiceBusTopicTrigger =
    'queueName' in options
      ? trigger.serviceBusQueue({
          connection: 'ServiceBusConnection',
          queueName: options.queueName,
          cardinality,
        })
      : trigger.serviceBusTopic({
          connection: 'ServiceBusConnection',
          topicName: options.topicName,
          subscriptionName: options.subscriptionName,
          cardinality,
        });
  let running = true;
  let invocations = 0;

  const loop = (async () => {
    while (running) {
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await receiver.receiveMessages(batchSize, {
          maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1_000,
        });
      } catch (error) {
        if (!running) return;
        options.onInvocationError?.(mapAzureServiceBusError(error, `receiving from '${entity}'`));
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      const metadata = messages.map(toTriggerMetadata);
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: entity,
        triggerMetadata: cardinality === 'many' ? toBatchMetadata(metadata) : metadata[0],
        options: { trigger: functionTrigger },
        logHandler: (level, ...args) => options.log?.(level, ...args),
      });
      const bodies = messages.map((message) => asWorkerPassesIt(message.body));
      invocations++;
      let settle: (message: ServiceBusReceivedMessage) => Promise<void>;
      try {
        await options.handler(cardinality === 'many' ? bodies : bodies[0], context);
        settle = (message) => receiver.completeMessage(message);
      } catch (error) {
        options.onInvocationError?.(error);
        settle = (message) => receiver.abandonMessage(message);
      }
      // A message whose lock was lost is delivered again by Service Bus anyway.
      await Promise.all(messages.map((message) => settle(message).catch(() => undefined)));
    }
  })();

  return {
    get invocations() {
      return invocations;
    },
    async stop() {
      running = false;
      await loop;
      await receiver.close();
    },
  };
}

/**
 * The metadata of one message as the Node.js worker presents it: the host's names in camelCase,
 * nested keys too (the worker lower-cases the first letter of every key), and a delivery count that
 * includes this delivery (the host's SDK counts from 1; the JavaScript SDK reports prior deliveries).
 */
function toTriggerMetadata(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    properties[name.charAt(0).toLowerCase() + name.slice(1)] =
      value instanceof Date ? value.toISOString() : value;
  }
  const metadata: Record<string, unknown> = {
    messageId: message.messageId === undefined ? undefined : String(message.messageId),
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    applicationProperties: properties,
    userProperties: properties,
    enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
    expiresAtUtc: message.expiresAtUtc?.toISOString(),
    sequenceNumber: message.sequenceNumber?.toNumber(),
    lockToken: message.lockToken,
    contentType: message.contentType,
    correlationId: message.correlationId === undefined ? undefined : String(message.correlationId),
    subject: message.subject,
    to: message.to,
    replyTo: message.replyTo,
  };
  for (const name of Object.keys(metadata)) if (metadata[name] === undefined) delete metadata[name];
  return metadata;
}

/** A batch's metadata: each name once, as `<name>Array`, holding the value of every message. */
function toBatchMetadata(all: readonly Record<string, unknown>[]): Record<string, unknown> {
  const names = new Set(all.flatMap((metadata) => Object.keys(metadata)));
  const batch: Record<string, unknown> = {};
  for (const name of names) batch[`${name}Array`] = all.map((metadata) => metadata[name]);
  return batch;
}

/** The host passes a body as text (UTF-8), which the Node.js worker parses as JSON when it can. */
function asWorkerPassesIt(body: unknown): unknown {
  const text =
    body instanceof Uint8Array
      ? Buffer.from(body).toString('utf8')
      : typeof body === 'string'
        ? body
        : JSON.stringify(body);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
