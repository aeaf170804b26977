import type { PubSub } from '@google-cloud/pubsub';
import { ClosedError } from '@omnibus/core';
import type {
  DeadLetterParent,
  DeadLetterStore,
  LeasedDeadLetter,
  StoredDeadLetter,
} from '@omnibus/core/transport';
import { MAX_ACK_DEADLINE_SECONDS } from './gcp-pubsub-capabilities.js';
import { mapGcpPubSubError } from './map-gcp-pubsub-error.js';
import { ADMIN_TIMEOUT_MS } from './pubsub-provisioner.js';
import { fromPubSubMessage } from './pubsub-wire-message.js';

/** Pub/Sub's shortest ack deadline. */
const MIN_DEADLINE_SECONDS = 10;
/** Most messages one pull asks for (Pub/Sub's limit is 1,000). */
const PULL_BATCH = 1_000;

/** The dead-letter subscription of a parent, resolved by the transport. */
export interface ResolvedDeadLetterSubscription {
  /** Native id of the subscription dead letters wait in. */
  readonly subscription: string;
  /** The parent as the user named it (`queue` or `topic/subscription`). */
  readonly label: string;
}

/** What the store needs from the transport. */
export interface PubSubDeadLetterHost {
  pubsub(): PubSub;
  /** The parent's dead-letter subscription, checked (or created) first. */
  resolve(of: DeadLetterParent): Promise<ResolvedDeadLetterSubscription>;
  readonly emulatorHost: () => string | undefined;
}

/** The Pub/Sub dead-letter store, plus a way to give back every lease when the transport closes. */
export interface PubSubDeadLetterStore extends DeadLetterStore {
  /** Makes every letter still leased deliverable again (best effort). */
  releaseAll(): Promise<void>;
}

interface Pulled {
  readonly ackId: string;
  readonly letter: StoredDeadLetter;
}

/**
 * Dead-letter management on the subscription of each dead-letter topic (`<name>.dlq`), with
 * unary pull, acknowledge and modifyAckDeadline. Pub/Sub has neither a count nor a browse: a count
 * leases every letter and gives them back (`'scan'`), and a peek leases what it shows and gives
 * it back at once (`'lock'`: for that moment other readers do not see those letters). A lease is
 * the ack deadline (600 s at most); a crashed redrive's letters come back when it runs out.
 *
 * Pub/Sub cannot deliver to one subscription of a topic alone, so a subscription's dead letters
 * go back only elsewhere (`redrive({ to })`): `sendToSubscription` is absent.
 */
export function createPubSubDeadLetterStore(host: PubSubDeadLetterHost): PubSubDeadLetterStore {
  /** Leases still open, by subscription and ack id. */
  const open = new Map<string, { subscription: string; ackId: string }>();

  function call<T>(method: string, reqOpts: object, doing: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      host
        .pubsub()
        .request<T>(
          { client: 'SubscriberClient', method, reqOpts, gaxOpts: { timeout: ADMIN_TIMEOUT_MS } },
          (error, response) => {
            if (error) reject(mapGcpPubSubError(error, { action: doing, emulatorHost: host.emulatorHost() }));
            else resolve(response as T);
          },
        );
    });
  }

  // Pulls still running: a close waits for them, so what they lease is given back too.
  const receiving = new Set<Promise<unknown>>();

  function lease(
    subscription: string,
    label: string,
    ackId: string,
    letter: StoredDeadLetter,
  ): LeasedDeadLetter {
    const key = `${subscription} ${ackId}`;
    open.set(key, { subscription, ackId });
    return {
      ...letter,
      async remove() {
        if (!open.delete(key))
          throw new ClosedError(`The lease of this dead letter of '${label}' already ended.`, {
            transport: 'gcp-pubsub',
          });
        await call(
          'acknowledge',
          { subscription: path(subscription), ackIds: [ackId] },
          `removing a dead letter of '${label}'`,
        );
      },
      async release() {
        if (!open.delete(key)) return;
        await giveBack(subscription, [ackId], label);
      },
    };
  }

  const path = (subscription: string) => host.pubsub().subscription(subscription).name;

  /**
   * Pulls up to `limit` letters until a pull comes back empty, each held for `deadlineSeconds`
   * (without it: the subscription's ack deadline).
   */
  async function pull(
    subscription: string,
    label: string,
    limit: number,
    deadlineSeconds?: number,
  ): Promise<Pulled[]> {
    const name = path(subscription);
    const pulled: Pulled[] = [];
    while (pulled.length < limit) {
      const response = await call<PullResponse>(
        'pull',
        {
          subscription: name,
          maxMessages: Math.min(PULL_BATCH, limit - pulled.length),
          returnImmediately: true,
        },
        `pulling the dead letters of '${label}'`,
      );
      const received = response?.receivedMessages ?? [];
      if (received.length === 0) break;
      const ackIds = received.map((item) => item.ackId!);
      if (deadlineSeconds !== undefined)
        await modifyDeadline(name, ackIds, deadlineSeconds, `leasing the dead letters of '${label}'`);
      for (const item of received) pulled.push({ ackId: item.ackId!, letter: stored(item, label) });
    }
    return pulled;
  }

  function modifyDeadline(name: string, ackIds: readonly string[], seconds: number, doing: string) {
    return call('modifyAckDeadline', { subscription: name, ackIds, ackDeadlineSeconds: seconds }, doing);
  }

  const giveBack = (subscription: string, ackIds: readonly string[], label: string) =>
    ackIds.length === 0
      ? Promise.resolve()
      : modifyDeadline(path(subscription), ackIds, 0, `giving back the dead letters of '${label}'`);

  return {
    async count(of) {
      const { subscription, label } = await host.resolve(of);
      const pulled = await pull(subscription, label, Number.POSITIVE_INFINITY);
      await giveBack(
        subscription,
        pulled.map((item) => item.ackId),
        label,
      );
      return pulled.length;
    },

    async peek(of, { limit }) {
      const { subscription, label } = await host.resolve(of);
      const pulled = await pull(subscription, label, limit);
      await giveBack(
        subscription,
        pulled.map((item) => item.ackId),
        label,
      );
      return pulled.map((item) => item.letter);
    },

    async receive(of, { limit, leaseMs }) {
      const { subscription, label } = await host.resolve(of);
      const seconds = Math.min(
        MAX_ACK_DEADLINE_SECONDS,
        Math.max(MIN_DEADLINE_SECONDS, Math.ceil(leaseMs / 1000)),
      );
      // The leases are registered inside the tracked promise, so a close that waits for it sees them.
      const pending = pull(subscription, label, limit, seconds).then((pulled) =>
        pulled.map(({ ackId, letter }) => lease(subscription, label, ackId, letter)),
      );
      receiving.add(pending);
      try {
        return await pending;
      } finally {
        receiving.delete(pending);
      }
    },

    async releaseAll() {
      await Promise.allSettled([...receiving]);
      const bySubscription = new Map<string, string[]>();
      for (const { subscription, ackId } of open.values())
        bySubscription.set(subscription, [...(bySubscription.get(subscription) ?? []), ackId]);
      open.clear();
      await Promise.allSettled(
        [...bySubscription].map(([subscription, ackIds]) => giveBack(subscription, ackIds, subscription)),
      );
    },
  };
}

/** The fields of a unary pull's answer this store reads. */
interface PullResponse {
  readonly receivedMessages?: ReadonlyArray<{
    readonly ackId?: string | null;
    readonly message?: {
      readonly messageId?: string | null;
      readonly data?: Uint8Array | string | null;
      readonly attributes?: Record<string, string> | null;
      readonly orderingKey?: string | null;
      readonly publishTime?: {
        readonly seconds?: number | string | null;
        readonly nanos?: number | null;
      } | null;
    } | null;
  }> | null;
}

type Received = NonNullable<NonNullable<PullResponse['receivedMessages']>[number]>;

function stored(item: Received, label: string): StoredDeadLetter {
  const message = item.message ?? {};
  const seconds = Number(message.publishTime?.seconds ?? Number.NaN);
  const publishTime = Number.isFinite(seconds)
    ? new Date(seconds * 1000 + Math.floor((message.publishTime?.nanos ?? 0) / 1e6))
    : undefined;
  const data = message.data ?? new Uint8Array();
  return {
    message: fromPubSubMessage(
      {
        id: String(message.messageId ?? ''),
        data: typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data),
        attributes: message.attributes ?? null,
        orderingKey: message.orderingKey ?? null,
        ...(publishTime ? { publishTime } : {}),
      },
      label,
    ),
    ...(publishTime ? { deadLetteredAt: publishTime.getTime() } : {}),
  };
}
