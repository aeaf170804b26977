import { createTransportFromUrl } from '../config/transport-registry.js';
import { createConsumer, type ConsumerHost, type Stamp } from '../consumer/create-consumer.js';
import type { ConsumerOptions } from '../consumer/consumer-options.js';
import { type DeliveryProcessor, createDeliveryProcessor } from '../consumer/create-delivery-processor.js';
import {
  type ConsumerDefinition,
  type ConsumerSource,
  isConsumerDefinition,
} from '../consumer/define-consumer.js';
import type { BatchConsumerOptions, BatchHandler } from '../consumer/batch-handler.js';
import type { Handler, RawHandler } from '../consumer/handler.js';
import { createDeadLetterOperations } from '../dead-letters/create-dead-letters.js';
import { ClosedError, ConfigurationError, MessageTooLargeError } from '../errors/index.js';
import { createConsoleLogger } from '../logger/logger.js';
import type { EncodedMessage } from '../message/encoded-message.js';
import { encodedSize, encodeMessage, type EnvelopeDefaults } from '../message/encode-message.js';
import { checkFormat } from '../message/envelope/check-format.js';
import { toStructuredMode } from '../message/envelope/to-structured-mode.js';
import { isoTimeNow } from '../message/iso-time-now.js';
import type { MessageInput } from '../message/message.js';
import { compilePattern, validatePattern } from '../pattern/index.js';
import { hasTypedInputs, validateTypedInputs } from '../schema/define-message.js';
import { checkDelay, checkOrdering } from '../transport/check-capabilities.js';
import { createTelemetry, type Telemetry } from '../telemetry/create-telemetry.js';
import type { Inject } from '../telemetry/bus-observer.js';
import { EVENTS_DESTINATION } from '../telemetry/bus-telemetry.js';
import type {
  Delivery,
  QueueRef,
  RuleTarget,
  SendOptions,
  SourceRef,
  SubscriptionRef,
  Transport,
} from '../transport/transport.js';
import type {
  Bus,
  BusOptions,
  Consumer,
  DeadLetters,
  EventRule,
  Producer,
  RuleInput,
  Topic,
} from './bus-types.js';

/**
 * Creates a bus over a transport URL or instance, and connects it.
 *
 * ```ts
 * const bus = await createBus({ transport: 'memory://', source: 'orders-service' });
 * ```
 */
export async function createBus(options: BusOptions | string | URL): Promise<Bus> {
  const settings: BusOptions =
    typeof options === 'string' || options instanceof URL ? { transport: options } : options;
  if (!settings || typeof settings !== 'object' || settings.transport === undefined) {
    throw new ConfigurationError(
      "createBus needs a transport: createBus({ transport: 'memory://' }) or createBus('memory://').",
    );
  }
  const provision = settings.provision ?? 'auto';
  if (provision !== 'auto' && provision !== 'never') {
    throw new ConfigurationError(`provision must be 'auto' or 'never'; got ${String(provision)}.`);
  }
  const source = settings.source ?? 'omnibus';
  if (typeof source !== 'string' || source === '')
    throw new ConfigurationError('source must be a non-empty string.');

  const transport = isTransport(settings.transport)
    ? checkInstanceProvision(settings.transport, settings.provision)
    : await createTransportFromUrl(settings.transport, { provision });
  if (transport.specificationVersion !== 'v1') {
    throw new ConfigurationError(
      `Transport '${transport.name}' implements specification ${String(transport.specificationVersion)}; this @omnibus/core needs v1. Align the package versions.`,
    );
  }
  const telemetry = await createTelemetry(
    settings,
    transport,
    settings.logger ?? createConsoleLogger('warn'),
  );
  await transport.connect();
  return assembleBus(transport, source, telemetry);
}

/** A handler of either envelope mode; the consumer's `envelope` option says which it gets. */
type AnyHandler = Handler | RawHandler | BatchHandler;

function assembleBus(
  transport: Transport,
  source: string,
  { observer, events, logger, close: stopTelemetry }: Telemetry,
): Bus {
  const capabilities = transport.capabilities;
  const running = new Set<Consumer>();
  const rules = new Map<string, string>();
  const closeController = new AbortController();
  let closing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing) throw new ClosedError('The bus is closed; create a new one with createBus().');
  };

  /** Validates, stamps and encodes a batch, checking each message's size before any I/O. */
  async function prepare(
    inputs: readonly MessageInput[],
    stamp: Stamp | undefined,
    inject: Inject | undefined,
  ): Promise<EncodedMessage[]> {
    return encodeAll(await validateTypedInputs(inputs), stamp, inject);
  }

  /**
   * Stamps and encodes a batch that needs no schema validation, checking each message's size
   * before any I/O. Synchronous, so an untyped send awaits nothing before the transport.
   */
  function encodeAll(
    inputs: readonly MessageInput[],
    stamp: Stamp | undefined,
    inject: Inject | undefined,
  ): EncodedMessage[] {
    const time = isoTimeNow();
    const defaults: EnvelopeDefaults = stamp ? { source, time, ...stamp } : { source, time };
    const encoded: EncodedMessage[] = new Array(inputs.length);
    const max = capabilities.maxMessageBytes;
    for (let index = 0; index < inputs.length; index++) {
      const message = encodeMessage(inputs[index]!, defaults);
      // encodeMessage builds a fresh attributes object; trace context joins it before the size check.
      inject?.(message.attributes as Record<string, string>, index, message.id);
      const size = encodedSize(message);
      if (size > max) throw new MessageTooLargeError(size, max, { transport: transport.name });
      encoded[index] = message;
    }
    return encoded;
  }

  const encodeBatch = (
    inputs: readonly MessageInput[],
    stamp: Stamp | undefined,
    inject: Inject | undefined,
  ) => (hasTypedInputs(inputs) ? prepare(inputs, stamp, inject) : encodeAll(inputs, stamp, inject));
  // The options of a plain send, made once: most sends have no delay and no ordering.
  const plainSendOptions: SendOptions = { signal: closeController.signal };

  async function send(
    queue: string,
    inputs: readonly MessageInput[],
    stamp?: Stamp,
    delayMs?: number,
    ordering?: 'key' | 'none',
    format?: 'binary' | 'structured',
  ) {
    ensureOpen();
    checkDelay(capabilities, transport.name, delayMs);
    if (inputs.length === 0) return;
    const sendOptions: SendOptions =
      delayMs || ordering
        ? {
            signal: closeController.signal,
            ...(delayMs ? { delayMs } : {}),
            ...(ordering ? { ordering } : {}),
          }
        : plainSendOptions;
    await observer.send(
      'send',
      queue,
      inputs.length,
      (inject) =>
        format === 'structured'
          ? inStructuredMode(encodeBatch(inputs, stamp, inject))
          : encodeBatch(inputs, stamp, inject),
      (encoded) => transport.send(queue, encoded, sendOptions),
    );
  }

  /** A producer's batch in CloudEvents structured content mode (`format: 'structured'`). */
  function inStructuredMode(
    batch: readonly EncodedMessage[] | Promise<readonly EncodedMessage[]>,
  ): readonly EncodedMessage[] | Promise<readonly EncodedMessage[]> {
    const convert = (messages: readonly EncodedMessage[]) =>
      messages.map((message) => toStructuredMode(message, capabilities.maxMessageBytes, transport.name));
    return Array.isArray(batch) ? convert(batch) : Promise.resolve(batch).then(convert);
  }

  async function publish(topic: string, inputs: readonly MessageInput[], stamp?: Stamp) {
    ensureOpen();
    if (inputs.length === 0) return;
    await observer.send(
      'publish',
      topic,
      inputs.length,
      (inject) => encodeBatch(inputs, stamp, inject),
      (encoded) => transport.publish(topic, encoded, { signal: closeController.signal }),
    );
  }

  async function emit(inputs: readonly MessageInput[], stamp?: Stamp) {
    ensureOpen();
    if (inputs.length === 0) return;
    await observer.send(
      'emit',
      EVENTS_DESTINATION,
      inputs.length,
      (inject) => encodeBatch(inputs, stamp, inject),
      (encoded) => transport.emit(encoded),
    );
  }

  const host: ConsumerHost = {
    transport,
    logger,
    observe: (sourceRef, onDelivery) => observer.delivery(sourceRef, onDelivery),
    async ready() {
      ensureOpen();
    },
    send: (queue, messages, stamp, delayMs) => send(checkName('queue', queue), messages, stamp, delayMs),
    publish: (topic, messages, stamp) => publish(checkName('topic', topic), messages, stamp),
    emit: (events, stamp) => emit(events, stamp),
    track(consumer, isRunning) {
      if (isRunning) running.add(consumer);
      else running.delete(consumer);
    },
  };

  const consume = (
    sourceRef: SourceRef,
    handler: Handler,
    options?: ConsumerOptions | BatchConsumerOptions,
  ): Consumer => {
    ensureOpen();
    if (typeof handler !== 'function') throw new ConfigurationError('A consumer needs a handler function.');
    return createConsumer(host, sourceRef, handler, options);
  };

  // One processor per definition, built on first use: a function instance reused across
  // invocations validates options and composes middleware once.
  const processors = new WeakMap<ConsumerDefinition, DeliveryProcessor>();
  const handleDelivery = (definition: ConsumerDefinition, delivery: Delivery): Promise<void> => {
    ensureOpen();
    if (!isConsumerDefinition(definition))
      throw new ConfigurationError('handleDelivery needs a definition made by defineConsumer().');
    let processor = processors.get(definition);
    if (!processor) {
      processor = createDeliveryProcessor(
        host,
        toSourceRef(definition.source),
        definition.handler as Handler,
        definition.options,
      );
      processors.set(definition, processor);
    }
    return processor.process(delivery);
  };

  const bus: Bus = {
    capabilities,
    transportName: transport.name,
    source,
    on: (name, listener) => events.on(name, listener),
    producer(queue, producerOptions = {}): Producer {
      checkName('queue', queue);
      checkOrdering(capabilities, transport.name, producerOptions.ordering);
      const format = checkFormat(producerOptions.format);
      return {
        queue,
        send: (message, sendOptions) =>
          send(queue, asList(message), undefined, sendOptions?.delayMs, producerOptions.ordering, format),
      };
    },
    consumer(queue: string | ConsumerDefinition, handler?: AnyHandler, options?: ConsumerOptions) {
      if (isConsumerDefinition(queue))
        return consume(toSourceRef(queue.source), queue.handler as Handler, queue.options);
      return consume({ kind: 'queue', queue: checkName('queue', queue) }, handler as Handler, options);
    },
    handleDelivery,
    topic(name): Topic {
      checkName('topic', name);
      return {
        name,
        publish: (message) => publish(name, asList(message)),
        subscribe: (
          subscription: string | ConsumerDefinition,
          handler?: AnyHandler,
          options?: ConsumerOptions,
        ) => {
          if (!isConsumerDefinition(subscription)) {
            return consume(
              { kind: 'subscription', topic: name, subscription: checkName('subscription', subscription) },
              handler as Handler,
              options,
            );
          }
          const source = subscription.source;
          if (typeof source === 'string' || source.topic !== name) {
            throw new ConfigurationError(
              `topic('${name}').subscribe got a definition of ${typeof source === 'string' ? `queue '${source}'` : `topic '${source.topic}'`}; use bus.consumer(definition) or the right topic.`,
            );
          }
          return consume(toSourceRef(source), subscription.handler as Handler, subscription.options);
        },
      };
    },
    async rule(name, definition: RuleInput): Promise<EventRule> {
      ensureOpen();
      checkName('rule', name);
      if (!definition || typeof definition !== 'object')
        throw new ConfigurationError(`Rule '${name}' needs { pattern, target }.`);
      validatePattern(definition.pattern);
      const target = checkTarget(name, definition.target);
      const fingerprint = JSON.stringify([definition.pattern, target]);
      // Same name and same definition: nothing to do (bus.rule is idempotent).
      if (rules.get(name) !== fingerprint) {
        await transport.putRule({
          name,
          pattern: definition.pattern,
          target,
          matches: compilePattern(definition.pattern),
        });
        rules.set(name, fingerprint);
      }
      return { name, pattern: definition.pattern, target, delete: () => bus.rules.delete(name) };
    },
    rules: {
      async delete(name) {
        ensureOpen();
        await transport.deleteRule(checkName('rule', name));
        rules.delete(name);
      },
    },
    emit: (event) => emit(asList(event)),
    deadLetters(of): DeadLetters {
      const parent: QueueRef | SubscriptionRef =
        typeof of === 'string'
          ? { kind: 'queue', queue: checkName('queue', of) }
          : {
              kind: 'subscription',
              topic: checkName('topic', of?.topic),
              subscription: checkName('subscription', of?.subscription),
            };
      return {
        ...createDeadLetterOperations(transport, parent, ensureOpen, closeController.signal),
        consume: (handler: AnyHandler, options?: ConsumerOptions) =>
          consume({ kind: 'dead-letter', of: parent }, handler as Handler, options),
      };
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...running].map((consumer) => consumer.stop()));
        closeController.abort(new ClosedError('The bus was closed.'));
        await transport.close();
        stopTelemetry();
      })();
      return closing;
    },
  };
  return bus;
}

function toSourceRef(source: ConsumerSource): SourceRef {
  return typeof source === 'string'
    ? { kind: 'queue', queue: checkName('queue', source) }
    : { kind: 'subscription', topic: source.topic, subscription: source.subscription };
}

function asList<T>(message: MessageInput<T> | readonly MessageInput<T>[]): readonly MessageInput[] {
  return (Array.isArray(message) ? message : [message]) as readonly MessageInput[];
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigurationError(
      `A ${kind} name must be a non-empty string; got ${name === undefined ? 'undefined' : JSON.stringify(name)}.`,
    );
  }
  return name;
}

function checkTarget(rule: string, target: unknown): RuleTarget {
  const candidate = target as { queue?: unknown; topic?: unknown } | undefined;
  if (candidate && typeof candidate.queue === 'string' && candidate.topic === undefined)
    return { queue: checkName('queue', candidate.queue) };
  if (candidate && typeof candidate.topic === 'string' && candidate.queue === undefined)
    return { topic: checkName('topic', candidate.topic) };
  throw new ConfigurationError(`Rule '${rule}' needs a target of { queue: 'name' } or { topic: 'name' }.`);
}

/**
 * A Transport instance was created with its own provisioning, which the bus cannot change: a
 * `provision` asked of the bus that differs from it fails here, before any I/O, instead of being
 * ignored (an instance that does not say how it provisions creates what it uses).
 */
function checkInstanceProvision(transport: Transport, asked: 'auto' | 'never' | undefined): Transport {
  const actual = transport.provision ?? 'auto';
  if (asked === undefined || asked === actual) return transport;
  throw new ConfigurationError(
    `createBus was asked for provision: '${asked}', but the ${transport.name} transport instance it was given was created with provision '${actual}'. ` +
      `Create the transport with provision: '${asked}' (or pass its URL instead of an instance).`,
    { transport: transport.name },
  );
}

function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' && value !== null && !(value instanceof URL) && 'specificationVersion' in value
  );
}
