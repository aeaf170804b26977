import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type EventBridgeClient,
  InvalidEventPatternException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '../src/index.js';
import { createTestClient } from './create-test-client.js';

// The vectors live in the repository's conformance folder; core's matcher passes the same file.
const vectorsPath = fileURLToPath(new URL('../../../conformance/event-patterns.json', import.meta.url));

interface Vectors {
  vectors: { name: string; pattern: unknown; event: unknown; matches: boolean }[];
  invalid: { name: string; pattern: unknown }[];
}

describe('TestEventPattern conformance (conformance/event-patterns.json)', () => {
  const file: Vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));
  let emulator: EventBridgeEmulator;
  let client: EventBridgeClient;

  beforeAll(async () => {
    emulator = await startEventBridgeEmulator();
    client = createTestClient(emulator.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  it.each(file.vectors.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const result = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(vector.pattern),
        Event: JSON.stringify(vector.event),
      }),
    );
    expect(result.Result).toBe(vector.matches);
  });

  it.each(file.invalid.map((entry) => [entry.name, entry] as const))('rejects: %s', async (_name, entry) => {
    const event = JSON.stringify({ source: 'x', 'detail-type': 'y', detail: {} });
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(entry.pattern), Event: event })),
    ).rejects.toBeInstanceOf(InvalidEventPatternException);
  });
});
