import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { StoredTarget } from './eventbridge-state.js';

/** Where SQS and SNS targets are delivered. Without an endpoint, such targets fail to deliver. */
export interface TargetEndpoints {
  sqsEndpoint?: string;
  snsEndpoint?: string;
}

/** Sends one target input; rejects with a readable reason when it cannot. */
export interface TargetSender {
  send(target: StoredTarget, body: string, eventId: string): Promise<void>;
  /** Releases the SDK clients' sockets. */
  destroy(): void;
}

// Emulators take any credentials; fixed ones keep the default provider chain (and real AWS) out of it.
const credentials = { accessKeyId: 'eventbridge-emulator', secretAccessKey: 'eventbridge-emulator' };

/**
 * Delivers to SQS queues (SendMessage) and SNS topics (Publish) through the configured endpoints,
 * never to real AWS. Queue URLs come from GetQueueUrl, cached per ARN, because an emulator's URLs
 * (fauxqs's `sqs.<region>.localhost`) need not resolve: the client always talks to the endpoint.
 */
export function createTargetSender(endpoints: TargetEndpoints): TargetSender {
  const sqsClients = new Map<string, SQSClient>();
  const snsClients = new Map<string, SNSClient>();
  const queueUrls = new Map<string, string>();

  const sqsClient = (region: string, endpoint: string) => {
    let client = sqsClients.get(region);
    if (!client) {
      client = new SQSClient({ endpoint, region, credentials });
      sqsClients.set(region, client);
    }
    return client;
  };
  const snsClient = (region: string, endpoint: string) => {
    let client = snsClients.get(region);
    if (!client) {
      client = new SNSClient({ endpoint, region, credentials });
      snsClients.set(region, client);
    }
    return client;
  };

  return {
    async send(target, body, eventId) {
      const [, , service, region = '', account = '', ...resource] = target.Arn.split(':');
      const name = resource.join(':');
      if (service === 'sqs') {
        if (!endpoints.sqsEndpoint)
          throw new Error('no sqsEndpoint is configured, so SQS targets cannot be delivered');
        const client = sqsClient(region, endpoints.sqsEndpoint);
        let queueUrl = queueUrls.get(target.Arn);
        if (!queueUrl) {
          const result = await client.send(
            new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
          );
          queueUrl = result.QueueUrl!;
          queueUrls.set(target.Arn, queueUrl);
        }
        const group = (target.SqsParameters as { MessageGroupId?: string } | undefined)?.MessageGroupId;
        try {
          await client.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: body,
              // EventBridge deduplicates FIFO deliveries by event id.
              ...(name.endsWith('.fifo') ? { MessageGroupId: group, MessageDeduplicationId: eventId } : {}),
            }),
          );
        } catch (error) {
          // The queue may have been deleted and recreated under a new URL.
          queueUrls.delete(target.Arn);
          throw error;
        }
        return;
      }
      if (service === 'sns') {
        if (!endpoints.snsEndpoint)
          throw new Error('no snsEndpoint is configured, so SNS targets cannot be delivered');
        await snsClient(region, endpoints.snsEndpoint).send(
          new PublishCommand({ TopicArn: target.Arn, Message: body }),
        );
        return;
      }
      throw new Error(
        `targets of service '${service}' are not delivered by this emulator (only sqs and sns)`,
      );
    },
    destroy() {
      for (const client of [...sqsClients.values(), ...snsClients.values()]) client.destroy();
    },
  };
}
