import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ClosedError, UnsupportedFeatureError } from '@omnibus/core';
import type {
  ConsumeOptions,
  DeliveryHandler,
  EncodedMessage,
  RuleDefinition,
  SendOptions,
  SourceRef,
  Transport,
  TransportSubscription,
} from '@omnibus/core/transport';
import { awsCapabilities, MAX_DELAY_MS } from './aws-capabilities.js';
import { createAwsResources } from './aws-resources.js';
import {
  type AwsTransportOptions,
  type ResolvedAwsOptions,
  resolveAwsOptions,
} from './aws-transport-options.js';
import { putEvents } from './eventbridge-emitter.js';
import { createEventBridgeRules } from './eventbridge-rules.js';
import { createNativeNames } from './native-names.js';
import { publishToTopic } from './sns-publisher.js';
import { startSqsConsumer } from './sqs-consumer.js';
import { createSqsDeadLetterStore } from './sqs-dead-letter-store.js';
import { sendToQueue } from './sqs-producer.js';

const transport = 'aws';

/**
 * Creates the AWS transport: queues on SQS, topics on SNS (each subscription an SQS queue with raw
 * delivery), rules on EventBridge. Validates every option now and does no I/O; resources are
 * looked up (and with `provision: 'auto'` created) on first use.
 */
export function createAwsTransport(options: AwsTransportOptions = {}): Transport {
  const settings = resolveAwsOptions(options);
  const sqs = settings.clients.sqs ?? new SQSClient(toClientConfig(settings, settings.endpoints.sqs));
  const sns = settings.clients.sns ?? new SNSClient(toClientConfig(settings, settings.endpoints.sns));
  const eventBridge =
    settings.clients.eventBridge ??
    new EventBridgeClient(toClientConfig(settings, settings.endpoints.eventBridge));
  const names = createNativeNames(settings.namePrefix);
  const resources = createAwsResources(sqs, sns, names, settings.provision);
  const rules = createEventBridgeRules(
    eventBridge,
    resources,
    names,
    settings.eventBusName,
    settings.provision,
  );
  const subscriptions = new Set<TransportSubscription>();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new ClosedError('The AWS transport is closed.', { transport });
  };
  const deadLetterStore = createSqsDeadLetterStore(sqs, resources, ensureOpen);

  return {
    specificationVersion: 'v1',
    name: transport,
    capabilities: awsCapabilities,
    provision: settings.provision,
    deadLetterStore,

    async connect() {
      ensureOpen();
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.stop()));
      await deadLetterStore.releaseAll();
      // Injected clients belong to the caller; only the ones built here are destroyed.
      if (!settings.clients.sqs) sqs.destroy();
      if (!settings.clients.sns) sns.destroy();
      if (!settings.clients.eventBridge) eventBridge.destroy();
    },

    async send(queue: string, messages: readonly EncodedMessage[], sendOptions: SendOptions) {
      ensureOpen();
      const fifo = sendOptions.ordering === 'key';
      const delayMs = sendOptions.delayMs ?? 0;
      if (delayMs > 0 && fifo) {
        throw new UnsupportedFeatureError(
          'delayed delivery on an ordered queue',
          'SQS FIFO queues (used for ordering by key) take no per-message delay.',
          { transport },
        );
      }
      if (delayMs > MAX_DELAY_MS) {
        throw new UnsupportedFeatureError(
          'delayed delivery',
          `a delay of ${delayMs} ms exceeds SQS's 15 minutes.`,
          { transport },
        );
      }
      const url = await resources.queueUrl(queue, fifo);
      await sendToQueue(sqs, url, messages, {
        fifo,
        label: `queue '${queue}'`,
        ...(delayMs > 0 ? { delaySeconds: Math.ceil(delayMs / 1000) } : {}),
      });
    },

    async publish(topic: string, messages: readonly EncodedMessage[], sendOptions: SendOptions) {
      ensureOpen();
      if (sendOptions.delayMs) {
        throw new UnsupportedFeatureError(
          'delayed publish',
          'SNS delivers at once; send to a queue with delayMs instead.',
          { transport },
        );
      }
      const arn = await resources.topicArn(topic);
      await publishToTopic(sns, arn, messages, `topic '${topic}'`);
    },

    async emit(events: readonly EncodedMessage[]) {
      ensureOpen();
      await rules.ensureBus();
      await putEvents(eventBridge, settings.eventBusName, events);
    },

    async consume(source: SourceRef, onDelivery: DeliveryHandler, consumeOptions: ConsumeOptions) {
      ensureOpen();
      const ordered = consumeOptions.ordering === 'key';
      if (ordered && source.kind !== 'queue') {
        throw new UnsupportedFeatureError(
          'ordering by key on topic subscriptions and dead letters',
          'only queues are ordered (SQS FIFO); consume a queue with ordering: key instead.',
          { transport },
        );
      }
      const queue =
        source.kind === 'dead-letter'
          ? await resources.deadLetters(source.of, consumeOptions.maxAttempts)
          : await resources.consumable(source, ordered, consumeOptions.maxAttempts);
      const subscription = startSqsConsumer({
        sqs,
        queue,
        concurrency: Math.max(1, consumeOptions.concurrency),
        receiveWaitSeconds: settings.receiveWaitSeconds,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        maxAttempts: Math.max(1, consumeOptions.maxAttempts),
        onDelivery,
      });
      const tracked: TransportSubscription = {
        async stop() {
          await subscription.stop();
          subscriptions.delete(tracked);
        },
      };
      subscriptions.add(tracked);
      return tracked;
    },

    async putRule(rule: RuleDefinition) {
      ensureOpen();
      await rules.put(rule);
    },

    async deleteRule(name: string) {
      ensureOpen();
      await rules.delete(name);
    },
  };
}

function toClientConfig(settings: ResolvedAwsOptions, serviceEndpoint: string | undefined) {
  const endpoint = serviceEndpoint ?? settings.endpoint;
  const region =
    settings.region ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    (endpoint ? 'us-east-1' : undefined);
  let credentials = settings.credentials;
  // Emulators accept any credentials; on a loopback endpoint with none configured, use dummies
  // rather than failing in the provider chain. Never for a real (non-loopback) endpoint.
  if (
    credentials === undefined &&
    endpoint !== undefined &&
    isLoopback(endpoint) &&
    !process.env.AWS_ACCESS_KEY_ID &&
    !process.env.AWS_PROFILE
  ) {
    credentials = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };
  }
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
}
