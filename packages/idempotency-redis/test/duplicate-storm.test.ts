import { runDuplicateStorm } from '@omnibus/contract-tests';
import { createMemoryBroker, createMemoryTransport } from '@omnibus/memory';
import { RedisIdempotencyStore } from '../src/index.js';
import { redisUnavailable, redisUrl } from './redis-server.js';

// Duplicates from the memory broker's fault injection: every message is stored three times.
const broker = createMemoryBroker();
runDuplicateStorm({
  name: 'redis store, memory transport',
  createStore: () =>
    new RedisIdempotencyStore({ url: redisUrl, keyPrefix: `omnibus-test:storm:${Date.now()}:` }),
  createTransport: () => createMemoryTransport({ broker }),
  injectDuplicates: ({ queue, copies }) => {
    broker.faults.duplicateDeliveries({ source: queue, times: copies });
  },
  unavailable: await redisUnavailable(),
});
