import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type EventBridgeClient,
  InvalidEventPatternException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '../src/index.js';
import { createTestClient } from './create-test-client.js';

// The shared vectors live next to the repository (not inside it), so they are optional locally and
// mandatory in CI.
const vectorsPath = fileURLToPath(
  new URL('../../../../shared/conformance/event-patterns.json', import.meta.url),
);
const available = existsSync(vectorsPath);

interface Vectors {
  vectors: { name: string; pattern: unknown; event: unknown; matches: boolean }[];
  invalid: { name: string; pattern: unknown }[];
}

if (!available && process.env.CI === 'true') {
  throw new Error(
    `event-pattern conformance vectors are missing (expected at ../shared/conformance/event-patterns.json)`,
  );
}

describe.skipIf(!available)(
  'TestEventPattern conformance (../shared/conformance/event-patterns.json)',
  () => {
    const file: Vectors = available
      ? JSON.parse(readFileSync(vectorsPath, 'utf8'))
      : { vectors: [], invalid: [] };
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

    it.each(file.invalid.map((entry) => [entry.name, entry] as const))(
      'rejects: %s',
      async (_name, entry) => {
        const event = JSON.stringify({ source: 'x', 'detail-type': 'y', detail: {} });
        await expect(
          client.send(
            new TestEventPatternCommand({ EventPattern: JSON.stringify(entry.pattern), Event: event }),
          ),
        ).rejects.toBeInstanceOf(InvalidEventPatternException);
      },
    );
  },
);

it.skipIf(available)(
  'event-pattern conformance vectors not found at ../shared/conformance; skipped',
  () => {},
);
