import { runDuplicateStorm, serviceUnavailable } from '@omnibus/contract-tests';
import { createRabbitMqTransport } from '@omnibus/rabbitmq';
import { RedisIdempotencyStore } from '../src/index.js';
import { redisUnavailable, redisUrl } from './redis-server.js';

const rabbitMqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// Real duplicates: each message id is sent three times, and RabbitMQ delivers the three copies
// as separate deliveries, to whichever of the eight consumers it picks.
runDuplicateStorm({
  name: 'redis store, rabbitmq transport',
  createStore: () =>
    new RedisIdempotencyStore({ url: redisUrl, keyPrefix: `omnibus-test:storm-rabbitmq:${Date.now()}:` }),
  createTransport: () => createRabbitMqTransport({ url: rabbitMqUrl }),
  unavailable:
    (await redisUnavailable()) ??
    (await serviceUnavailable({
      name: 'RabbitMQ',
      url: rabbitMqUrl,
      defaultPort: 5672,
      howToStart: '`rabbitmq-server -detached` (or set RABBITMQ_URL)',
    })),
});
