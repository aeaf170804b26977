import { UnsupportedFeatureError } from '../errors/index.js';
import type { EncodedMessage } from '../message/encoded-message.js';
import { FailureHeader } from '../message/failure-headers.js';
import type { Transport } from '../transport/transport.js';
import type { DeadLetterParent, DeadLetterStore, LeasedDeadLetter } from '../transport/dead-letter-store.js';
import { createPacer } from './create-pacer.js';
import type { RedriveOptions, RedriveResult } from './dead-letter-types.js';
import { isFailureHeader } from './read-dead-letter.js';
import { createSelector } from './select-dead-letters.js';
import { sweepDeadLetters } from './sweep-dead-letters.js';

const BATCH_SIZE = 100;
// Long enough for a batch to be sent and confirmed many times over; short enough that letters a
// killed redrive leased come back soon.
const LEASE_MS = 120_000;

/**
 * Moves dead letters back to where they failed (or to `options.to`). Each letter is rewritten
 * with its id, type, data, correlation, causation and user headers (trace context included) kept,
 * the failure headers dropped, the first failure time and a redrive count added, and the attempt
 * count starting again at 1. It is removed from the dead-letter queue only after the broker
 * confirmed the copy, so a crash duplicates at worst (idempotency drops the duplicate).
 */
export async function redriveDeadLetters(
  transport: Transport,
  store: DeadLetterStore,
  of: DeadLetterParent,
  options: RedriveOptions,
  total: number,
): Promise<RedriveResult> {
  const sendBack = targetOf(transport, store, of, options.to);
  const pace = createPacer(options.ratePerSecond, options.signal);
  const batchSize =
    options.ratePerSecond === undefined
      ? BATCH_SIZE
      : // About ten batches a second, so pacing (and progress) is smooth.
        Math.max(1, Math.min(BATCH_SIZE, Math.floor(options.ratePerSecond / 10)));
  const outcome = await sweepDeadLetters(store, of, {
    batchSize,
    leaseMs: LEASE_MS,
    limit: options.limit ?? Number.POSITIVE_INFINITY,
    select: createSelector(options),
    ...(options.ids ? { wanted: new Set(options.ids).size } : {}),
    total,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    async act(letters) {
      await pace(letters.length);
      try {
        await sendBack(letters.map(toRedriven));
      } catch (error) {
        return letters.map(() => asError(error));
      }
      return Promise.all(letters.map((letter) => removeAfterMove(letter)));
    },
  });
  return { moved: outcome.done, skipped: outcome.skipped, failed: outcome.failed, errors: outcome.errors };
}

/** The letter as it is sent back: a fresh delivery of the same message. */
export function toRedriven(letter: LeasedDeadLetter): EncodedMessage {
  const message = letter.message;
  const attributes: Record<string, string> = {};
  for (const name in message.attributes) {
    if (!isFailureHeader(name)) attributes[name] = message.attributes[name]!;
  }
  const firstFailedAt =
    message.attributes[FailureHeader.firstFailedAt] ??
    message.attributes[FailureHeader.failedAt] ??
    (letter.deadLetteredAt === undefined ? undefined : new Date(letter.deadLetteredAt).toISOString());
  if (firstFailedAt !== undefined) attributes[FailureHeader.firstFailedAt] = firstFailedAt;
  const redriven = Number(message.attributes[FailureHeader.redriven] ?? '0');
  attributes[FailureHeader.redriven] = String((Number.isSafeInteger(redriven) ? redriven : 0) + 1);
  return message.key === undefined
    ? { id: message.id, attributes, body: message.body }
    : { id: message.id, key: message.key, attributes, body: message.body };
}

function targetOf(
  transport: Transport,
  store: DeadLetterStore,
  of: DeadLetterParent,
  to: string | undefined,
): (messages: EncodedMessage[]) => Promise<void> {
  if (to !== undefined) return (messages) => transport.send(to, messages, {});
  if (of.kind === 'queue') return (messages) => transport.send(of.queue, messages, {});
  const management = transport.capabilities.deadLetterManagement;
  const sendToSubscription = store.sendToSubscription;
  if (!management?.redriveToSubscription || sendToSubscription === undefined) {
    throw new UnsupportedFeatureError(
      'redriving to a single subscription',
      `the broker cannot deliver to subscription '${of.subscription}' alone without the topic's other subscriptions receiving it again; redrive to a queue with { to: 'queue' }.`,
      { transport: transport.name },
    );
  }
  return (messages) => sendToSubscription.call(store, of, messages);
}

async function removeAfterMove(letter: LeasedDeadLetter): Promise<Error | undefined> {
  try {
    await letter.remove();
    return undefined;
  } catch (error) {
    const failure = asError(error);
    return Object.assign(
      new Error(
        `moved, but not removed from the dead-letter queue (${failure.message}); a redrive again duplicates it`,
      ),
      { name: failure.name },
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
