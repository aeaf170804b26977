import { serviceUnavailable } from '@omnibus/contract-tests';

/** The PostgreSQL the tests use; override with OMNIBUS_POSTGRES_URL. */
export const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why the PostgreSQL tests cannot run here, or undefined; under CI an unreachable server throws. */
export const postgresUnavailable = (): Promise<string | undefined> =>
  serviceUnavailable({
    name: 'PostgreSQL',
    url: postgresUrl,
    defaultPort: 5432,
    howToStart:
      '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16` (or set OMNIBUS_POSTGRES_URL)',
  });
