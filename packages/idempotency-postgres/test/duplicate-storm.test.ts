import { runDuplicateStorm } from '@omnibus/contract-tests';
import { createMemoryBroker, createMemoryTransport } from '@omnibus/memory';
import { PostgresIdempotencyStore } from '../src/index.js';
import { postgresUnavailable, postgresUrl } from './postgres-server.js';

// Duplicates from the memory broker's fault injection: every message is stored three times.
const broker = createMemoryBroker();
runDuplicateStorm({
  name: 'postgres store, memory transport',
  createStore: async () => {
    const store = new PostgresIdempotencyStore({
      connectionString: postgresUrl,
      table: 'omnibus_idempotency_storm',
      maxConnections: 8,
    });
    await store.migrate();
    // Rows of earlier storms are past their ttl by now; keep the table small.
    await store.purgeExpired({ limit: 100_000 });
    return store;
  },
  createTransport: () => createMemoryTransport({ broker }),
  injectDuplicates: ({ queue, copies }) => {
    broker.faults.duplicateDeliveries({ source: queue, times: copies });
  },
  unavailable: await postgresUnavailable(),
});
