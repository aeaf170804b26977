/**
 * Send + receive + complete throughput through the real `@azure/service-bus` SDK.
 *
 * Run: `npx tsx packages/servicebus-emulator/bench/throughput.ts [messageCount] [--in-process]`.
 * By default the emulator runs in a child process (as the CLI), so the SDK and the emulator each
 * get a core, which is how a test suite using the CLI would run. Reports only; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusEmulator } from '../src/index.js';

const messageCount = Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 20_000);
const inProcess = process.argv.includes('--in-process');
const batchSize = 500;
const concurrency = 500;
const benchConfig = {
  queues: [{ name: 'bench', options: {} }],
  topics: [],
};

/** Starts the emulator and returns its connection string and a stop function. */
async function startEmulator(): Promise<{ connectionString: string; stop: () => Promise<void> }> {
  if (inProcess) {
    const emulator = await startServiceBusEmulator({ port: 0, config: benchConfig });
    return { connectionString: emulator.connectionString, stop: () => emulator.close() };
  }
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const configFile = fileURLToPath(new URL('./bench-config.json', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [connectionString] = (await once(lines, 'line')) as [string];
  return {
    connectionString,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function main() {
  const emulator = await startEmulator();
  const client = new ServiceBusClient(emulator.connectionString);
  const sender = client.createSender('bench');
  const receiver = client.createReceiver('bench');
  await sender.sendMessages({ body: 'warm-up' });
  const [warmUp] = await receiver.receiveMessages(1);
  await receiver.completeMessage(warmUp!);

  const started = performance.now();
  let completed = 0;
  const done = new Promise<void>((resolve, reject) => {
    const subscription = receiver.subscribe(
      {
        async processMessage() {
          completed++;
          if (completed === messageCount) {
            resolve();
            void subscription.close();
          }
        },
        async processError(args) {
          reject(args.error);
        },
      },
      { maxConcurrentCalls: concurrency },
    );
  });
  for (let sent = 0; sent < messageCount; sent += batchSize) {
    const count = Math.min(batchSize, messageCount - sent);
    await sender.sendMessages(Array.from({ length: count }, (_, index) => ({ body: { n: sent + index } })));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${messageCount} messages sent, received (peek-lock) and completed in ${seconds.toFixed(2)} s: ` +
      `${Math.round(messageCount / seconds)} messages/s (emulator ${inProcess ? 'in-process' : 'in a child process'})`,
  );
  await receiver.close();
  await sender.close();
  await client.close();
  await emulator.stop();
}

await main();
