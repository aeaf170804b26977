import type { Transport } from '@omnibus/core';
import { formatSummary, runOrderFlow } from './order-flow.js';

/**
 * Runs the order flow on each named transport, starting the in-process emulators a transport needs
 * (SQS/SNS and EventBridge for aws; Service Bus for azure-servicebus). Brokers that run as servers
 * (RabbitMQ, the Pub/Sub emulator) must already be up. Prints one summary line per transport and
 * exits non-zero if any invariant breaks.
 *
 *   npm run example:transports -- memory amqp aws gcp-pubsub azure-servicebus
 */
type Runner = () => Promise<{ url: string | Transport; stop: () => Promise<void> }>;

const runners: Record<string, Runner> = {
  memory: async () => ({ url: 'memory://', stop: async () => {} }),
  amqp: async () => ({
    url: process.env.OMNIBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    stop: async () => {},
  }),
  'gcp-pubsub': async () => {
    process.env.METADATA_SERVER_DETECTION ??= 'none';
    const host = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
    return { url: `gcp-pubsub://omnibus-example?emulatorHost=${host}`, stop: async () => {} };
  },
  aws: async () => {
    // Emulators are development dependencies, loaded only when this transport is asked for.
    const { startFauxqs } = await import('fauxqs');
    const { startEventBridgeEmulator } = await import('@omnibus/eventbridge-emulator');
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    const eventBridge = await startEventBridgeEmulator({
      port: 0,
      sqsEndpoint: fauxqs.address,
      snsEndpoint: fauxqs.address,
    });
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const query = new URLSearchParams({
      region: 'us-east-1',
      endpoint: fauxqs.address,
      eventBridgeEndpoint: eventBridge.endpoint,
    });
    return {
      url: `aws://?${query}`,
      stop: async () => {
        await eventBridge.close();
        await fauxqs.stop();
      },
    };
  },
  'azure-servicebus': async () => {
    // The emulator serves AMQP but not the HTTPS administration API: entities are created through
    // its own API, handed to the transport as its administration.
    const { startServiceBusEmulator } = await import('@omnibus/servicebus-emulator');
    const { createAzureServiceBusTransport, emulatorAdministration } = await import(
      '@omnibus/azure-service-bus'
    );
    const emulator = await startServiceBusEmulator({ port: 0 });
    const transport = createAzureServiceBusTransport({
      connectionString: emulator.connectionString,
      administration: emulatorAdministration(emulator),
    });
    return { url: transport, stop: () => emulator.close() };
  },
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(runners);
let failed = false;
for (const name of names) {
  const runner = runners[name];
  if (!runner) {
    console.error(`Unknown transport '${name}'. Known: ${Object.keys(runners).join(', ')}`);
    process.exit(2);
  }
  const { url, stop } = await runner();
  try {
    const summary = await runOrderFlow({ transport: url, orders: 20, timeoutMs: 180_000 });
    console.log(`${name}: ${formatSummary(summary)}`);
    if (!summary.ok) {
      failed = true;
      console.error(`${name}: an invariant broke`, summary);
    }
  } catch (error) {
    failed = true;
    console.error(`${name}: the order flow failed:`, error);
  } finally {
    await stop();
  }
}
process.exit(failed ? 1 : 0);
