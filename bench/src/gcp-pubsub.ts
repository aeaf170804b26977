import { PubSub } from '@google-cloud/pubsub';
import { createGcpPubSubTransport } from '@omnibus/gcp-pubsub';
import { type ComparisonSizes, compareClients, type OpenQueue, openOmnibusQueue } from './measure.js';
import type { BenchRow } from './report.js';
import { orderSummary, uniqueName } from './workload.js';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const EMULATOR_HOST = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
const PROJECT_ID = 'omnibus-bench';
const BATCH = 100;
/** The same knobs on both sides: flow-control window, ack batching, publish batching. */
const CONCURRENCY = 100;
const ACK_BATCHING = { maxMessages: 1000, maxMilliseconds: 10 };
const PUBLISH_BATCHING = { maxMessages: 1000, maxMilliseconds: 5 };

/**
 * Omnibus over the Pub/Sub emulator versus raw @google-cloud/pubsub with the same batching and flow
 * control, in the same run: throughput (send in batches of 100, consume with a window of 100) and
 * paced one-at-a-time latency (send → handler). The emulator is measured too: compare the ratio.
 */
export async function bench(sizes: ComparisonSizes = {}): Promise<BenchRow[]> {
  return compareClients({
    ...sizes,
    batch: BATCH,
    raw: { name: 'raw @google-cloud/pubsub (emulator)', open: openRawQueue },
    omnibus: {
      name: 'Omnibus gcp-pubsub (emulator)',
      open: openOmnibusQueue({
        transport: () =>
          createGcpPubSubTransport({
            projectId: PROJECT_ID,
            emulatorHost: EMULATOR_HOST,
            ackBatching: ACK_BATCHING,
            publishBatching: PUBLISH_BATCHING,
          }),
        concurrency: CONCURRENCY,
        batch: BATCH,
        data: orderSummary,
      }),
    },
    target: '>= 0.8x raw client',
    note: 'emulator figures measure the emulator too (it shares this machine): compare the ratio',
  });
}

/** The raw side: a topic and its subscription, what an application would write by hand. */
const openRawQueue: OpenQueue = async (label, handled) => {
  const client = new PubSub({ projectId: PROJECT_ID, apiEndpoint: EMULATOR_HOST, emulatorMode: true });
  const name = uniqueName(label);
  const [topic] = await client.createTopic(name);
  await topic.createSubscription(name);
  const publisher = client.topic(name, { batching: PUBLISH_BATCHING });
  const subscription = client.subscription(name, {
    flowControl: { maxMessages: CONCURRENCY, allowExcessMessages: false },
    batching: ACK_BATCHING,
  });
  subscription.on('message', (message) => {
    JSON.parse(message.data.toString('utf8'));
    message.ack();
    handled();
  });
  const body = Buffer.from(JSON.stringify(orderSummary));
  return {
    send: (count) =>
      Promise.all(
        Array.from({ length: count }, () =>
          publisher.publishMessage({ data: body, attributes: { 'ce-type': 'OrderPlaced' } }),
        ),
      ),
    async close() {
      await subscription.close();
      await client.close();
    },
  };
};
