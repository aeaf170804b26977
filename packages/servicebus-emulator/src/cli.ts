#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startServiceBusEmulator } from './start-service-bus-emulator.js';

const usage = `Usage: servicebus-emulator [--config Config.json] [--port 5672] [--host 127.0.0.1]

Starts a Service Bus emulator for the @azure/service-bus SDK and prints its connection string.
  --config   entities in the official emulator's Config.json format
  --port     TCP port (0 picks a free one)            default 5672
  --host     interface to listen on                  default 127.0.0.1
  --max-message-size  bytes                          default 262144`;

async function main() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string', default: '5672' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-message-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const emulator = await startServiceBusEmulator({
    port,
    host: values.host,
    config: values.config,
    maxMessageSizeBytes: values['max-message-size'] ? Number(values['max-message-size']) : undefined,
    log: (line) => console.error(line),
  });
  // First line of stdout, so scripts can read it.
  console.log(emulator.connectionString);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
