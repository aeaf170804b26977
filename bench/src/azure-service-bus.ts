import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { createAzureServiceBusTransport } from '@omnibus/azure-service-bus';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { type ComparisonSizes, compareClients, type OpenQueue, openOmnibusQueue } from './measure.js';
import type { BenchRow } from './report.js';
import { orderSummary, uniqueName } from './workload.js';

const CONCURRENCY = 64;
const BATCH = 100;

/**
 * Omnibus over Azure Service Bus versus the raw `@azure/service-bus` client with the same batching
 * and concurrency, in the same run, on the in-repo emulator started in this process: throughput
 * (sends in batches of 100 through `createMessageBatch`; one peek-lock `subscribe` receiver with
 * maxConcurrentCalls = 64; `completeMessage` each) and paced one-at-a-time latency (send ->
 * handler). The emulator shares this process's CPU, so compare the ratio, not the absolute rates.
 */
export async function bench(sizes: ComparisonSizes = {}): Promise<BenchRow[]> {
  const emulator = await startServiceBusEmulator({ port: 0 });
  try {
    return await compareClients({
      ...sizes,
      batch: BATCH,
      raw: { name: 'raw @azure/service-bus (emulator)', open: openRawQueue(emulator) },
      omnibus: {
        name: 'Omnibus azure-service-bus (emulator)',
        open: openOmnibusQueue({
          transport: () =>
            createAzureServiceBusTransport({
              connectionString: emulator.connectionString,
              administration: {
                async ensureQueue(name) {
                  try {
                    emulator.createQueue(name);
                  } catch {
                    // already there
                  }
                },
                async ensureTopic() {},
                async ensureSubscription() {},
              },
            }),
          concurrency: CONCURRENCY,
          batch: BATCH,
          data: orderSummary,
        }),
      },
      target: '>= 0.8x raw SDK',
      note: 'the emulator runs in this process: emulator figures measure the emulator too; compare the ratio',
    });
  } finally {
    await emulator.close();
  }
}

/** The raw side: what an application would write by hand with the same batching and concurrency. */
function openRawQueue(emulator: ServiceBusEmulator): OpenQueue {
  const body = Buffer.from(JSON.stringify(orderSummary));
  const message = (): ServiceBusMessage => ({
    body,
    contentType: 'application/json',
    messageId: crypto.randomUUID(),
    applicationProperties: { 'ce-type': 'OrderPlaced', 'ce-source': 'bench' },
  });
  return async (label, handled) => {
    const name = uniqueName(label);
    emulator.createQueue(name);
    const client = new ServiceBusClient(emulator.connectionString);
    const sender = client.createSender(name);
    const receiver = client.createReceiver(name, { receiveMode: 'peekLock', skipParsingBodyAsJson: true });
    const subscription = receiver.subscribe(
      {
        async processMessage(received) {
          JSON.parse((received.body as Buffer).toString('utf8'));
          handled();
          await receiver.completeMessage(received);
        },
        async processError() {},
      },
      { maxConcurrentCalls: CONCURRENCY, autoCompleteMessages: false },
    );
    return {
      async send(count) {
        let batch = await sender.createMessageBatch();
        for (let index = 0; index < count; index++) {
          const next = message();
          if (batch.tryAddMessage(next)) continue;
          await sender.sendMessages(batch);
          batch = await sender.createMessageBatch();
          batch.tryAddMessage(next);
        }
        if (batch.count > 0) await sender.sendMessages(batch);
      },
      async close() {
        await subscription.close();
        await receiver.close();
        await sender.close();
        await client.close();
      },
    };
  };
}
