import { runTransportContract } from '@omnibus/contract-tests';
import { type ServiceBusEmulator, startServiceBusEmulator } from '@omnibus/servicebus-emulator';
import { afterAll, beforeAll, describe } from 'vitest';
import { createAzureServiceBusTransport, emulatorAdministration } from '../src/index.js';
import { createServiceBusNativeClient } from './service-bus-native-client.js';

// With SERVICEBUS_CONNECTION_STRING the same suite runs against that namespace (or the official
// emulator); otherwise against the in-repo emulator started here, in this process.
const external = process.env.SERVICEBUS_CONNECTION_STRING;
let emulator: ServiceBusEmulator | undefined;

beforeAll(async () => {
  if (!external) emulator = await startServiceBusEmulator({ port: 0 });
});

afterAll(async () => {
  await emulator?.close();
});

const transportWith = (provision: 'auto' | 'never') => () =>
  createAzureServiceBusTransport({
    connectionString: external ?? emulator!.connectionString,
    provision,
    ...(emulator && provision === 'auto' ? { administration: emulatorAdministration(emulator) } : {}),
    // Short locks keep crashed-handler redelivery quick; the SDK renews them while handlers run.
    lockDurationMs: 10_000,
  });

describe.concurrent('azure-service-bus', () => {
  runTransportContract({
    name: external
      ? 'azure-service-bus (SERVICEBUS_CONNECTION_STRING)'
      : 'azure-service-bus (in-repo emulator)',
    createTransport: transportWith('auto'),
    createNonProvisioningTransport: transportWith('never'),
    createNativeClient: () => createServiceBusNativeClient(external ?? emulator!.connectionString),
    timeScale: 2,
  });
});
