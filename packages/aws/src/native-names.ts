import { createHash } from 'node:crypto';

/**
 * Maps Omnibus names (anything non-empty, e.g. `stock.reserve`) onto AWS resource names, which
 * allow fewer characters and fewer of them: SQS queues and SNS topics `[A-Za-z0-9_-]`, 80 and 256
 * characters (`.fifo` included); EventBridge rules `[.A-Za-z0-9_-]`, 64 characters.
 *
 * A name that is already valid is used as it is (after the prefix), so operators find what they
 * expect in the console. Otherwise invalid characters become `_`, the name is cut to fit, and an
 * 8-hex-digit hash of the original is appended: deterministic, and two different Omnibus names
 * never share an AWS resource.
 */
export interface NativeNames {
  /** The SQS queue of a queue (standard or FIFO). */
  queue(name: string, fifo: boolean): string;
  /** The SQS dead-letter queue of a queue. */
  deadLetterQueue(name: string, fifo: boolean): string;
  /** The SQS queue behind a topic subscription. */
  subscriptionQueue(topic: string, subscription: string): string;
  /** The SQS dead-letter queue of a topic subscription. */
  subscriptionDeadLetterQueue(topic: string, subscription: string): string;
  /** The SNS topic of a topic. */
  topic(name: string): string;
  /** The EventBridge rule of a rule. */
  rule(name: string): string;
  /** The dead-letter queue of a native (dead-letter) queue, for dead letters of dead letters. */
  deadLetterOfNative(nativeName: string): string;
}

const QUEUE_MAX = 80;
const TOPIC_MAX = 256;
const RULE_MAX = 64;
const FIFO_SUFFIX = '.fifo';

export function createNativeNames(prefix: string): NativeNames {
  const queue = (name: string, fifo: boolean, suffix = '') => {
    const max = QUEUE_MAX - (fifo ? FIFO_SUFFIX.length : 0);
    return fit(prefix + name, suffix, max, /[^A-Za-z0-9_-]/g) + (fifo ? FIFO_SUFFIX : '');
  };
  const pair = (topic: string, subscription: string) => JSON.stringify([topic, subscription]);
  return {
    queue: (name, fifo) => queue(name, fifo),
    deadLetterQueue: (name, fifo) => queue(name, fifo, '-dlq'),
    // A subscription queue is named after both parts; the hash is of the pair, so 'a.b'/'c' and
    // 'a'/'b.c' stay distinct.
    subscriptionQueue: (topic, subscription) =>
      fitPair(prefix, topic, subscription, pair(topic, subscription), ''),
    subscriptionDeadLetterQueue: (topic, subscription) =>
      fitPair(prefix, topic, subscription, pair(topic, subscription), '-dlq'),
    topic: (name) => fit(prefix + name, '', TOPIC_MAX, /[^A-Za-z0-9_-]/g),
    rule: (name) => fit(prefix + name, '', RULE_MAX, /[^A-Za-z0-9._-]/g),
    deadLetterOfNative: (nativeName) => {
      const fifo = nativeName.endsWith(FIFO_SUFFIX);
      const base = fifo ? nativeName.slice(0, -FIFO_SUFFIX.length) : nativeName;
      return (
        fit(base, '-dlq', QUEUE_MAX - (fifo ? FIFO_SUFFIX.length : 0), /[^A-Za-z0-9_-]/g) +
        (fifo ? FIFO_SUFFIX : '')
      );
    },
  };
}

function fitPair(
  prefix: string,
  topic: string,
  subscription: string,
  original: string,
  suffix: string,
): string {
  const readable = `${prefix}${topic}-${subscription}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const room = QUEUE_MAX - suffix.length - 9;
  return `${readable.slice(0, room)}-${hash(original)}${suffix}`;
}

function fit(name: string, suffix: string, max: number, invalid: RegExp): string {
  const clean = name.replace(invalid, '_');
  if (clean === name && name.length + suffix.length <= max) return name + suffix;
  const room = max - suffix.length - 9;
  return `${clean.slice(0, room)}-${hash(name)}${suffix}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
