import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import {
  createManualClock,
  type ManualClock,
  type ServiceBusEmulator,
  startServiceBusEmulator,
} from '../../src/index.js';

/**
 * Where scenario tests run: the in-process emulator (default), or the official emulator / a real
 * namespace when `SERVICEBUS_CONNECTION_STRING` is set. The entities they use are declared in
 * `scenario-config.json`, in the official emulator's format, so the same file provisions both.
 */
export interface ScenarioEnvironment {
  readonly target: 'emulator' | 'service';
  readonly client: ServiceBusClient;
  readonly connectionString: string;
  /** Present only against the in-process emulator. */
  readonly emulator: ServiceBusEmulator | undefined;
  /** Lets `ms` of broker time pass: the emulator's manual clock jumps, a real service is waited for. */
  advanceTime(ms: number): Promise<void>;
  /** Removes every message (and dead letter) from the named receivable entities. */
  purge(...paths: string[]): Promise<void>;
  close(): Promise<void>;
}

export const scenarioConfigPath = fileURLToPath(new URL('./scenario-config.json', import.meta.url));
export const serviceConnectionString = process.env.SERVICEBUS_CONNECTION_STRING;

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Starts (or connects to) the broker for one test file. */
export async function createScenarioEnvironment(): Promise<ScenarioEnvironment> {
  let emulator: ServiceBusEmulator | undefined;
  let clock: ManualClock | undefined;
  let connectionString = serviceConnectionString;
  if (!connectionString) {
    clock = createManualClock();
    emulator = await startServiceBusEmulator({ port: 0, clock, config: scenarioConfigPath });
    connectionString = emulator.connectionString;
  }
  const client = new ServiceBusClient(connectionString);

  const drain = async (path: string, subQueueType?: 'deadLetter') => {
    if (emulator) {
      const counts = emulator.countMessages(subQueueType ? `${path}/$DeadLetterQueue` : path);
      if (counts.active + counts.locked + counts.deferred + counts.scheduled === 0) return;
    }
    const [entity, subscription] = path.split('/Subscriptions/');
    const options = { receiveMode: 'receiveAndDelete' as const, subQueueType };
    const receiver = subscription
      ? client.createReceiver(entity!, subscription, options)
      : client.createReceiver(entity!, options);
    try {
      for (;;) {
        const messages = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
        if (messages.length === 0) break;
      }
    } finally {
      await receiver.close();
    }
  };

  return {
    target: emulator ? 'emulator' : 'service',
    client,
    connectionString,
    emulator,
    async advanceTime(ms) {
      if (clock) {
        clock.advance(ms);
        await settle();
      } else {
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    },
    async purge(...paths) {
      for (const path of paths) {
        await drain(path);
        await drain(path, 'deadLetter');
      }
    },
    async close() {
      await client.close();
      await emulator?.close();
    },
  };
}
