import { runTransportContract } from '@omnibus/contract-tests';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '@omnibus/eventbridge-emulator';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll } from 'vitest';
import { createAwsTransport } from '../src/index.js';

// fauxqs (SQS + SNS) and the EventBridge emulator run in this process; nothing is assumed running.
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let eventBridge: EventBridgeEmulator;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  eventBridge = await startEventBridgeEmulator({ port: 0, sqsEndpoint: fauxqs.address, snsEndpoint: fauxqs.address });
});

afterAll(async () => {
  await eventBridge?.close();
  await fauxqs?.stop();
});

const options = (provision: 'auto' | 'never') => () => {
  const endpoint = fauxqs.address;
  return createAwsTransport({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    provision,
    // Short polls keep stop() quick; production keeps the 5 s default.
    receiveWaitSeconds: 1,
    clients: {},
    eventBusName: 'default',
    endpoints: { eventBridge: eventBridge.endpoint },
  });
};

runTransportContract({
  name: 'aws (fauxqs + eventbridge-emulator)',
  createTransport: options('auto'),
  createNonProvisioningTransport: options('never'),
  timeScale: 2,
  skip: {},
});
