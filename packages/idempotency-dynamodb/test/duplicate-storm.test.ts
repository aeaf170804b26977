import { runDuplicateStorm } from '@omnibus/contract-tests';
import { createMemoryBroker, createMemoryTransport } from '@omnibus/memory';
import { afterAll } from 'vitest';
import { DynamoDbIdempotencyStore } from '../src/index.js';
import { emulatorClientConfig, startDynalite } from './dynalite-server.js';

const server = await startDynalite();
afterAll(() => server.stop());

// Duplicates from the memory broker's fault injection: every message is stored three times.
const broker = createMemoryBroker();
runDuplicateStorm({
  name: 'dynamodb store (dynalite), memory transport',
  createStore: async () => {
    const store = new DynamoDbIdempotencyStore({
      tableName: 'omnibus-idempotency-storm',
      clientConfig: emulatorClientConfig(server.endpoint),
    });
    await store.createTable();
    return store;
  },
  createTransport: () => createMemoryTransport({ broker }),
  injectDuplicates: ({ queue, copies }) => {
    broker.faults.duplicateDeliveries({ source: queue, times: copies });
  },
});
