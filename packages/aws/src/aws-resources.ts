import { createHash } from 'node:crypto';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@omnibus/core';
import type { QueueRef, SubscriptionRef } from '@omnibus/core/transport';
import { mapAwsError } from './map-aws-error.js';
import type { NativeNames } from './native-names.js';

/** The largest `maxReceiveCount` SQS accepts in a redrive policy. */
export const MAX_RECEIVE_COUNT = 1_000;

/** A queue a consumer reads, with where its dead letters go. */
export interface ConsumableQueue {
  readonly url: string;
  readonly fifo: boolean;
  readonly deadLetterUrl: string;
  /** What the queue is called in errors: `queue 'orders'`, `subscription 'orders/email'`. */
  readonly label: string;
}

/**
 * Finds and (with `provision: 'auto'`) creates the SQS queues, SNS topics, subscriptions and access
 * policies the transport uses. Every lookup is cached per transport; every creation is idempotent
 * on AWS (CreateQueue/CreateTopic/Subscribe with the same attributes return the existing resource).
 */
export interface AwsResources {
  /** The URL of a queue to send to. */
  queueUrl(queue: string, fifo: boolean): Promise<string>;
  /** A queue or subscription queue ready to consume, its redrive policy set to `maxAttempts`. */
  consumable(
    source: QueueRef | SubscriptionRef,
    fifo: boolean,
    maxAttempts: number,
  ): Promise<ConsumableQueue>;
  /**
   * The dead-letter queue of a queue or subscription, as a consumable queue of its own; what is
   * dead-lettered while reading it goes to a dead-letter queue of its own (`…-dlq-dlq`).
   */
  deadLetters(of: QueueRef | SubscriptionRef, maxAttempts: number): Promise<ConsumableQueue>;
  /** The dead-letter queue itself, for counting, peeking and leasing its messages. */
  deadLetterQueue(of: QueueRef | SubscriptionRef): Promise<{ url: string; fifo: boolean; label: string }>;
  /** The SQS queue of a subscription, subscribed to its topic. */
  subscriptionQueue(source: SubscriptionRef): Promise<string>;
  /** The ARN of a topic's SNS topic. */
  topicArn(topic: string): Promise<string>;
  queueArn(url: string): Promise<string>;
  /** Lets an AWS service (`events.amazonaws.com`) send to a queue, for one source ARN only. */
  allowQueueSend(url: string, service: string, sourceArn: string): Promise<void>;
  /** Lets an AWS service publish to a topic, for one source ARN only. */
  allowTopicPublish(topicArn: string, service: string, sourceArn: string): Promise<void>;
}

export function createAwsResources(
  sqs: SQSClient,
  sns: SNSClient,
  names: NativeNames,
  provision: 'auto' | 'never',
): AwsResources {
  const urls = new Map<string, Promise<string>>();
  const arns = new Map<string, Promise<string>>();
  const topics = new Map<string, Promise<string>>();
  const fifoQueues = new Set<string>();

  function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  }

  function ensureQueue(nativeName: string, label: string): Promise<string> {
    return cached(urls, nativeName, async () => {
      if (provision === 'never') {
        const url = await findQueue(nativeName);
        if (url === undefined) {
          throw new ConfigurationError(
            `The SQS queue '${nativeName}' (${label}) does not exist and provisioning is 'never'; create it or use provision: 'auto'.`,
            { transport: 'aws' },
          );
        }
        return url;
      }
      const fifo = nativeName.endsWith('.fifo');
      try {
        const created = await sqs.send(
          new CreateQueueCommand({
            QueueName: nativeName,
            ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
          }),
        );
        return created.QueueUrl!;
      } catch (error) {
        throw mapAwsError(error, `creating the SQS queue '${nativeName}' (${label})`);
      }
    });
  }

  async function findQueue(nativeName: string): Promise<string | undefined> {
    try {
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: nativeName }))).QueueUrl;
    } catch (error) {
      if (/NonExistentQueue|QueueDoesNotExist/i.test(String((error as { name?: string }).name)))
        return undefined;
      throw mapAwsError(error, `looking up the SQS queue '${nativeName}'`);
    }
  }

  const queueArn = (url: string) =>
    cached(arns, url, async () => {
      try {
        const result = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
        );
        return result.Attributes!.QueueArn!;
      } catch (error) {
        throw mapAwsError(error, `reading the ARN of ${url}`);
      }
    });

  const topicArn = (topic: string) =>
    cached(topics, topic, async () => {
      const nativeName = names.topic(topic);
      if (provision === 'auto') {
        try {
          return (await sns.send(new CreateTopicCommand({ Name: nativeName }))).TopicArn!;
        } catch (error) {
          throw mapAwsError(error, `creating the SNS topic '${nativeName}' (topic '${topic}')`);
        }
      }
      let token: string | undefined;
      do {
        const page = await sns.send(new ListTopicsCommand({ NextToken: token })).catch((error: unknown) => {
          throw mapAwsError(error, 'listing SNS topics');
        });
        const found = page.Topics?.find((entry) => entry.TopicArn?.endsWith(`:${nativeName}`));
        if (found?.TopicArn) return found.TopicArn;
        token = page.NextToken;
      } while (token);
      throw new ConfigurationError(
        `The SNS topic '${nativeName}' (topic '${topic}') does not exist and provisioning is 'never'; create it or use provision: 'auto'.`,
        { transport: 'aws' },
      );
    });

  /** Creates the DLQ and points the queue's redrive policy at it, or reads the policy in place. */
  async function withDeadLetters(
    url: string,
    deadLetterName: string,
    label: string,
    maxAttempts: number | undefined,
  ) {
    if (provision === 'never' || maxAttempts === undefined) {
      const existing = await redriveTarget(url);
      if (existing) return existing;
      return ensureQueue(deadLetterName, `dead letters of ${label}`);
    }
    const deadLetterUrl = await ensureQueue(deadLetterName, `dead letters of ${label}`);
    const deadLetterArn = await queueArn(deadLetterUrl);
    try {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: deadLetterArn,
              // SQS caps maxReceiveCount at 1,000; with dead-lettering off (Infinity) the consumer
              // re-sends a copy before that limit, so the redrive never fires.
              maxReceiveCount: Math.min(maxAttempts, MAX_RECEIVE_COUNT),
            }),
          },
        }),
      );
    } catch (error) {
      throw mapAwsError(error, `setting the redrive policy of ${label}`);
    }
    return deadLetterUrl;
  }

  async function redriveTarget(url: string): Promise<string | undefined> {
    try {
      const result = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
      );
      const policy = result.Attributes?.RedrivePolicy;
      if (!policy) return undefined;
      const arn = String((JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn ?? '');
      const name = arn.slice(arn.lastIndexOf(':') + 1);
      return name ? await findQueue(name) : undefined;
    } catch (error) {
      throw mapAwsError(error, `reading the redrive policy of ${url}`);
    }
  }

  async function subscriptionQueue(source: SubscriptionRef): Promise<string> {
    const label = `subscription '${source.topic}/${source.subscription}'`;
    const arn = await topicArn(source.topic);
    const url = await ensureQueue(names.subscriptionQueue(source.topic, source.subscription), label);
    const endpoint = await queueArn(url);
    if (provision === 'never') {
      let token: string | undefined;
      do {
        const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken: token }));
        if (page.Subscriptions?.some((entry) => entry.Endpoint === endpoint)) return url;
        token = page.NextToken;
      } while (token);
      throw new ConfigurationError(
        `The SQS queue of ${label} is not subscribed to its SNS topic and provisioning is 'never'; subscribe it (raw message delivery) or use provision: 'auto'.`,
        { transport: 'aws' },
      );
    }
    await allowQueueSend(url, 'sns.amazonaws.com', arn);
    try {
      await sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'sqs',
          Endpoint: endpoint,
          Attributes: { RawMessageDelivery: 'true' },
          ReturnSubscriptionArn: true,
        }),
      );
    } catch (error) {
      throw mapAwsError(error, `subscribing ${label}`);
    }
    return url;
  }

  async function allowQueueSend(url: string, service: string, sourceArn: string): Promise<void> {
    if (provision === 'never') return;
    const resource = await queueArn(url);
    try {
      const current = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }),
      );
      const policy = withStatement(
        current.Attributes?.Policy,
        service,
        'sqs:SendMessage',
        resource,
        sourceArn,
      );
      if (policy)
        await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }));
    } catch (error) {
      throw mapAwsError(error, `granting ${service} access to ${url}`);
    }
  }

  async function allowTopicPublish(arn: string, service: string, sourceArn: string): Promise<void> {
    if (provision === 'never') return;
    try {
      const current = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
      const policy = withStatement(current.Attributes?.Policy, service, 'sns:Publish', arn, sourceArn);
      if (policy) {
        await sns.send(
          new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: policy }),
        );
      }
    } catch (error) {
      throw mapAwsError(error, `granting ${service} access to ${arn}`);
    }
  }

  /** The dead-letter queue of a queue (standard or FIFO, whichever exists) or a subscription. */
  async function deadLetterQueue(
    of: QueueRef | SubscriptionRef,
  ): Promise<{ url: string; fifo: boolean; label: string }> {
    if (of.kind === 'subscription') {
      const label = `dead letters of subscription '${of.topic}/${of.subscription}'`;
      const url = await ensureQueue(names.subscriptionDeadLetterQueue(of.topic, of.subscription), label);
      return { url, fifo: false, label };
    }
    // Which kind the queue is: known if this transport used it, else whichever exists (standard first).
    let fifo = fifoQueues.has(of.queue);
    if (!fifo && !urls.has(names.deadLetterQueue(of.queue, false))) {
      const standard = await findQueue(names.deadLetterQueue(of.queue, false));
      if (standard === undefined)
        fifo = (await findQueue(names.deadLetterQueue(of.queue, true))) !== undefined;
    }
    const label = `dead letters of queue '${of.queue}'`;
    const url = await ensureQueue(names.deadLetterQueue(of.queue, fifo), label);
    return { url, fifo, label };
  }

  return {
    queueUrl(queue, fifo) {
      if (fifo) fifoQueues.add(queue);
      return ensureQueue(names.queue(queue, fifo), `queue '${queue}'`);
    },
    async consumable(source, fifo, maxAttempts) {
      if (source.kind === 'queue') {
        if (fifo) fifoQueues.add(source.queue);
        const label = `queue '${source.queue}'`;
        const url = await ensureQueue(names.queue(source.queue, fifo), label);
        const deadLetterUrl = await withDeadLetters(
          url,
          names.deadLetterQueue(source.queue, fifo),
          label,
          maxAttempts,
        );
        return { url, fifo, deadLetterUrl, label };
      }
      const label = `subscription '${source.topic}/${source.subscription}'`;
      const url = await subscriptionQueue(source);
      const deadLetterName = names.subscriptionDeadLetterQueue(source.topic, source.subscription);
      const deadLetterUrl = await withDeadLetters(url, deadLetterName, label, maxAttempts);
      return { url, fifo: false, deadLetterUrl, label };
    },
    async deadLetters(of, maxAttempts) {
      const { url, fifo, label } = await deadLetterQueue(of);
      const nativeName =
        of.kind === 'subscription'
          ? names.subscriptionDeadLetterQueue(of.topic, of.subscription)
          : names.deadLetterQueue(of.queue, fifo);
      const deadLetterUrl = await withDeadLetters(
        url,
        names.deadLetterOfNative(nativeName),
        label,
        maxAttempts,
      );
      return { url, fifo, deadLetterUrl, label };
    },
    deadLetterQueue,
    subscriptionQueue,
    topicArn,
    queueArn,
    allowQueueSend,
    allowTopicPublish,
  };
}

/** Adds an allow statement to a resource policy; `undefined` when it is already there. */
function withStatement(
  current: string | undefined,
  service: string,
  action: string,
  resource: string,
  sourceArn: string,
): string | undefined {
  const sid = `omnibus-${createHash('sha256').update(`${service} ${sourceArn}`).digest('hex').slice(0, 16)}`;
  let policy: { Version: string; Statement: { Sid?: string }[] } = { Version: '2012-10-17', Statement: [] };
  if (current) {
    try {
      policy = JSON.parse(current) as typeof policy;
      if (!Array.isArray(policy.Statement)) policy.Statement = policy.Statement ? [policy.Statement] : [];
    } catch {
      // An unreadable policy is replaced by ours rather than kept half-parsed.
    }
  }
  if (policy.Statement.some((statement) => statement.Sid === sid)) return undefined;
  policy.Statement.push({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: service },
    Action: action,
    Resource: resource,
    Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
  } as { Sid: string });
  return JSON.stringify(policy);
}
