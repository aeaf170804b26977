/**
 * Deterministic native names. Pub/Sub resource ids are 3-255 characters of letters, digits and
 * `-_.~+%`, start with a letter and must not start with `goog`; anything else is percent-encoded,
 * and an id that would still be invalid gets an `o-` prefix, so every Omnibus name maps to exactly
 * one native id and distinct names never collide.
 */
export function nativeId(prefix: string, name: string): string {
  const encoded = `${prefix}${name}`.replace(/[^A-Za-z0-9\-_.~+]/g, (character) =>
    Array.from(
      Buffer.from(character, 'utf8'),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );
  const id =
    /^[A-Za-z]/.test(encoded) && !/^goog/i.test(encoded) && encoded.length >= 3 ? encoded : `o-${encoded}`;
  return id.length < 3 ? `${id}--` : id;
}

/** The suffix of a dead-letter topic and its one subscription. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** A queue is a topic with exactly one subscription of the same name. */
export function queueSubscriptionName(queue: string): string {
  return queue;
}

/** A named subscription of a topic is the subscription `<topic>.<name>`. */
export function topicSubscriptionName(topic: string, subscription: string): string {
  return `${topic}.${subscription}`;
}

/** The dead-letter topic (and its one subscription) of a subscription. */
export function deadLetterName(subscription: string): string {
  return `${subscription}${DEAD_LETTER_SUFFIX}`;
}

/** The filtered subscription of the events topic that carries one rule. */
export function ruleSubscriptionName(eventsTopic: string, rule: string): string {
  return `${eventsTopic}.rule.${rule}`;
}
