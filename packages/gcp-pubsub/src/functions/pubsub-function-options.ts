import type { PubSub } from '@google-cloud/pubsub';
import type { Bus } from '@omnibus/core';

/** What every Pub/Sub function entry point takes besides the consumer definition. */
export interface PubSubFunctionOptions {
  /**
   * The bus handlers send, publish and emit through. Create it at module scope (a promise is fine,
   * e.g. `createBus('gcp-pubsub://')` without `await`), so requests reuse it and its connections.
   */
  bus: Bus | Promise<Bus>;
  /**
   * The client dead letters are published with. Default: one client per instance, built from the
   * environment (`PUBSUB_EMULATOR_HOST` locally, the service account on Cloud Run).
   */
  pubsub?: PubSub;
  /**
   * Where dead letters go: a topic id or `projects/<project>/topics/<id>`. Default: the topic the
   * transport dead-letters this subscription to, `<subscription>.dlq` in the subscription's
   * project — the topic `bus.deadLetters(...)` reads and the subscription's dead-letter policy
   * should name. It must exist: the entry point publishes to it and creates nothing.
   */
  deadLetterTopic?: string;
}
