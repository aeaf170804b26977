import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@omnibus/core';
import { mapAwsError } from '../map-aws-error.js';

/** A queue an event source reads, as the entry point needs it. */
export interface LocatedQueue {
  readonly url: string;
  readonly fifo: boolean;
  /** The target of the queue's redrive policy; `undefined` when it has none. */
  readonly deadLetterUrl: string | undefined;
}

/**
 * Finds queues by ARN (`arn:aws:sqs:<region>:<account>:<name>`), with their redrive targets, once
 * per function instance: warm invocations cost no look-up. A failed look-up is forgotten, so the
 * next invocation tries again.
 */
export function createSqsQueueLocator(sqs: SQSClient) {
  const located = new Map<string, Promise<LocatedQueue>>();

  async function urlOf(arn: string): Promise<string> {
    const { name, account } = parseQueueArn(arn);
    try {
      const result = await sqs.send(
        new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
      );
      if (!result.QueueUrl) throw new Error('GetQueueUrl returned no URL');
      return result.QueueUrl;
    } catch (error) {
      throw mapAwsError(error, `looking up the queue ${arn}`);
    }
  }

  async function locate(arn: string): Promise<LocatedQueue> {
    const url = await urlOf(arn);
    let policy: string | undefined;
    try {
      const result = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
      );
      policy = result.Attributes?.RedrivePolicy;
    } catch (error) {
      throw mapAwsError(error, `reading the redrive policy of ${arn}`);
    }
    const target = policy ? readRedriveTarget(policy, arn) : undefined;
    return {
      url,
      fifo: parseQueueArn(arn).name.endsWith('.fifo'),
      deadLetterUrl: target ? await urlOf(target) : undefined,
    };
  }

  return {
    /** The queue of an event source ARN. */
    locate(arn: string): Promise<LocatedQueue> {
      let entry = located.get(arn);
      if (!entry) {
        entry = locate(arn);
        located.set(arn, entry);
        entry.catch(() => located.delete(arn));
      }
      return entry;
    },
  };
}

/** Splits an SQS queue ARN; anything else is a `ConfigurationError` (the event is not from SQS). */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } {
  const parts = typeof arn === 'string' ? arn.split(':') : [];
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs' || !parts[5]) {
    throw new ConfigurationError(`Not an SQS queue ARN: ${JSON.stringify(arn)}.`, { transport: 'aws' });
  }
  return { region: parts[3]!, account: parts[4]!, name: parts[5] };
}

function readRedriveTarget(policy: string, arn: string): string {
  try {
    const target = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    if (typeof target === 'string' && target !== '') return target;
  } catch {
    // reported below
  }
  throw new ConfigurationError(`The redrive policy of ${arn} names no dead-letter queue: ${policy}`, {
    transport: 'aws',
  });
}
