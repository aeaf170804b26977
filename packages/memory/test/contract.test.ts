import { runTransportContract } from '@omnibus/contract-tests';
import { createMemoryBroker, createMemoryTransport } from '../src/index.js';
import { createMemoryNativeClient } from './memory-native-client.js';

// One private broker for the whole suite: every transport the suite opens must reach the same one.
const broker = createMemoryBroker({ name: 'contract' });

runTransportContract({
  name: 'memory',
  createTransport: () => createMemoryTransport({ broker }),
  createNonProvisioningTransport: () => createMemoryTransport({ broker, provision: 'never' }),
  createNativeClient: () => createMemoryNativeClient(broker),
});
