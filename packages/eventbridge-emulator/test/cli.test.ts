import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import { expect, it } from 'vitest';
import { createTestClient } from './create-test-client.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

it('starts from the command line, prints its endpoint and stops on SIGTERM', async () => {
  // `source` resolves @omnibus/core to its TypeScript, as in the rest of the test run.
  const child = spawn(
    process.execPath,
    ['--conditions=@omnibus/source', '--import', 'tsx', cli, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${output}`)));
    });
    const client = createTestClient(endpoint);
    const buses = await client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((bus) => bus.Name)).toEqual(['default']);
    client.destroy();
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
