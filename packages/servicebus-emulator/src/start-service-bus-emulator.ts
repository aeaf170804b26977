import type { Server, Socket } from 'node:net';
import rhea from 'rhea';
import { routeAmqpLinks } from './amqp-link-router.js';
import { type EmulatorClock, systemClock } from './emulator-clock.js';
import {
  type EmulatorConfigFile,
  type EntityDefinitions,
  entityDefinitionsFromConfig,
  readEmulatorConfigFile,
} from './emulator-config.js';
import type { QueueOptions, RuleDefinition, SubscriptionOptions, TopicOptions } from './entity-options.js';
import { installRawMessageCapture } from './raw-message-capture.js';
import { createServiceBusNamespace } from './service-bus-namespace.js';

/** Options for {@link startServiceBusEmulator}. */
export interface ServiceBusEmulatorOptions {
  /** TCP port; `0` picks a free one (read it from the result). @default 5672 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /**
   * Entities to create at start: a path to an official-emulator `Config.json`, the parsed file,
   * or entity definitions in this package's own terms.
   */
  config?: string | EmulatorConfigFile | EntityDefinitions;
  /** Time source for locks, schedules, TTL and duplicate detection. @default systemClock */
  clock?: EmulatorClock;
  /** Largest accepted message (and the `max_message_size` on every attach). @default 262144 (256 KB) */
  maxMessageSizeBytes?: number;
  /** Diagnostic lines (protocol oddities). @default ignored */
  log?: (line: string) => void;
}

/** A running emulator. */
export interface ServiceBusEmulator {
  /** The port actually listened on. */
  readonly port: number;
  readonly host: string;
  /**
   * A connection string for `@azure/service-bus` (`UseDevelopmentEmulator=true` turns TLS off; it
   * needs `@azure/core-amqp` 4.3 or newer).
   */
  readonly connectionString: string;
  readonly clock: EmulatorClock;
  /** Creates a queue. Throws if a queue or topic of that name exists. */
  createQueue(name: string, options?: QueueOptions): void;
  /** Creates a topic. */
  createTopic(name: string, options?: TopicOptions): void;
  /** Creates a subscription; without `options.rules` it gets the `$Default` (match-all) rule. */
  createSubscription(topicName: string, subscriptionName: string, options?: SubscriptionOptions): void;
  /** Adds a rule to a subscription (as the SDK's rule manager would). */
  addRule(topicName: string, subscriptionName: string, rule: RuleDefinition): void;
  /** Removes a rule from a subscription. */
  removeRule(topicName: string, subscriptionName: string, ruleName: string): void;
  /**
   * Message counts of a receivable entity: a queue, `topic/Subscriptions/name`, or either with
   * `/$DeadLetterQueue`. Locked messages count as `locked`, not `active`.
   */
  countMessages(path: string): {
    active: number;
    locked: number;
    deferred: number;
    scheduled: number;
    deadLettered: number;
  };
  /** Stops listening, drops every connection and timer. Safe to call twice. */
  close(): Promise<void>;
}

const isConfigFile = (config: EmulatorConfigFile | EntityDefinitions): config is EmulatorConfigFile =>
  'UserConfig' in config;

/**
 * Starts an in-process Service Bus emulator that the unmodified `@azure/service-bus` SDK can talk
 * to over AMQP 1.0. Resolves once it is listening.
 *
 * @example
 * const emulator = await startServiceBusEmulator({ port: 0 });
 * emulator.createQueue('orders');
 * const client = new ServiceBusClient(emulator.connectionString);
 */
export async function startServiceBusEmulator(
  options: ServiceBusEmulatorOptions = {},
): Promise<ServiceBusEmulator> {
  installRawMessageCapture();
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const maxMessageSizeBytes = options.maxMessageSizeBytes ?? 262_144;
  const namespace = createServiceBusNamespace(clock);

  if (options.config !== undefined) {
    const config =
      typeof options.config === 'string' ? readEmulatorConfigFile(options.config) : options.config;
    const definitions = isConfigFile(config) ? entityDefinitionsFromConfig(config) : config;
    for (const queue of definitions.queues) namespace.createQueue(queue.name, queue.options);
    for (const topic of definitions.topics) {
      namespace.createTopic(topic.name, topic.options);
      for (const subscription of topic.subscriptions) {
        namespace.createSubscription(topic.name, subscription.name, subscription.options);
      }
    }
  }

  const container = rhea.create_container({
    id: 'servicebus-emulator',
    // Abandon and defer both arrive as `modified`; rhea would otherwise report them as `released`.
    sender_options: { treat_modified_as_released: false },
    // Incoming sends are accepted only after the namespace took them.
    receiver_options: { autoaccept: false },
  });
  const mechanisms = container.sasl_server_mechanisms as unknown as {
    enable_anonymous(): void;
    enable_plain(verify: () => boolean): void;
  };
  mechanisms.enable_anonymous();
  // Like the official emulator, any key is accepted.
  mechanisms.enable_plain(() => true);
  routeAmqpLinks(container, namespace, { maxMessageSizeBytes, log: options.log ?? (() => undefined) });

  const server = container.listen({ port: options.port ?? 5672, host }) as unknown as Server;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 5672);
  let closed: Promise<void> | undefined;

  return {
    port,
    host,
    connectionString: `Endpoint=sb://${host}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
    clock,
    createQueue: (name, queueOptions) => namespace.createQueue(name, queueOptions),
    createTopic: (name, topicOptions) => namespace.createTopic(name, topicOptions),
    createSubscription: (topicName, subscriptionName, subscriptionOptions) =>
      namespace.createSubscription(topicName, subscriptionName, subscriptionOptions),
    addRule: (topicName, subscriptionName, rule) => namespace.addRule(topicName, subscriptionName, rule),
    removeRule: (topicName, subscriptionName, ruleName) =>
      namespace.removeRule(topicName, subscriptionName, ruleName),
    countMessages: (path) => namespace.entity(path).counts(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        namespace.dispose();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
