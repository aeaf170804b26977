#!/usr/bin/env node
import { redactSecrets } from '@omnibus/core/transport';
import { runOutboxRelay } from './run-outbox-relay.js';

// omnibus-outbox-relay: relays an outbox table until SIGTERM or SIGINT.
//   OMNIBUS_OUTBOX_DATABASE_URL  postgres://user@host:5432/db   (required)
//   OMNIBUS_TRANSPORT            the transport URL, e.g. amqp://guest:guest@127.0.0.1:5672 (required)
//   OMNIBUS_OUTBOX_SCHEMA / OMNIBUS_OUTBOX_TABLE / OMNIBUS_OUTBOX_MIGRATE=1   optional
const connectionString = process.env.OMNIBUS_OUTBOX_DATABASE_URL;
const transport = process.env.OMNIBUS_TRANSPORT;
if (!connectionString || !transport) {
  console.error('omnibus-outbox-relay needs OMNIBUS_OUTBOX_DATABASE_URL and OMNIBUS_TRANSPORT.');
  process.exit(2);
}
try {
  const relay = await runOutboxRelay({
    connectionString,
    transport,
    ...(process.env.OMNIBUS_OUTBOX_SCHEMA ? { schema: process.env.OMNIBUS_OUTBOX_SCHEMA } : {}),
    ...(process.env.OMNIBUS_OUTBOX_TABLE ? { table: process.env.OMNIBUS_OUTBOX_TABLE } : {}),
    migrate: process.env.OMNIBUS_OUTBOX_MIGRATE === '1',
  });
  console.log(`omnibus-outbox-relay: relaying ${relay.outbox.name.schema}.${relay.outbox.name.table}`);
  const shutdown = () => {
    relay.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (error) {
  console.error(
    `omnibus-outbox-relay: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
  );
  process.exit(1);
}
