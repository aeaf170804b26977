import { runTransportContract } from '@omnibus/contract-tests';
import { describe, it } from 'vitest';
import { createRabbitMqTransport } from '../src/index.js';
import { brokerReachable, RABBITMQ_URL, START_HINT } from './broker.js';

// Top-level await: vitest registers the suite only when the broker answers (CI=true fails instead).
if (await brokerReachable()) {
  runTransportContract({
    name: 'rabbitmq',
    createTransport: () => createRabbitMqTransport({ url: RABBITMQ_URL, connectionName: 'omnibus-contract' }),
    createNonProvisioningTransport: () =>
      createRabbitMqTransport({ url: RABBITMQ_URL, provision: 'never', connectionName: 'omnibus-contract' }),
  });
} else {
  describe.skip('Omnibus transport contract: rabbitmq', () => {
    it.skip(START_HINT, () => {});
  });
}
