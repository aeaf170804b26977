import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** Test credentials: the emulators accept any. */
export const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** An unchanged SDK client pointed at an emulator endpoint. */
export function createTestClient(endpoint: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    credentials: testCredentials,
    maxAttempts: 1,
  });
}

let counter = 0;
/** A name unique within the run, so tests never share rules, buses or queues. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}
