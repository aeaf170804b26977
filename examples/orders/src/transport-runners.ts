import type { Transport } from '@omnibus/core';

/**
 * How the examples reach each transport by name, starting the in-process emulators a transport
 * needs (SQS/SNS and EventBridge for aws; Service Bus for azure-servicebus). Brokers that run as
 * servers (RabbitMQ, the Pub/Sub emulator) must already be up.
 */
export type TransportRunner = () => Promise<{ url: string | Transport; stop: () => Promise<void> }>;

export const transportRunners: Record<string, TransportRunner> = {
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
