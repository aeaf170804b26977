import { serviceUnavailable } from '@omnibus/contract-tests';

/** The Redis the tests use; override with OMNIBUS_REDIS_URL. */
export const redisUrl = process.env.OMNIBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why the Redis tests cannot run here, or undefined; under CI an unreachable server throws. */
export const redisUnavailable = (): Promise<string | undefined> =>
  serviceUnavailable({
    name: 'Redis',
    url: redisUrl,
    defaultPort: 6379,
    howToStart: '`docker run -d -p 6379:6379 redis:7` (or set OMNIBUS_REDIS_URL)',
  });
