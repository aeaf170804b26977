import { describe, expect, it } from 'vitest';
import { entityDefinitionsFromConfig, readEmulatorConfigFile } from '../src/index.js';
import { parseIso8601Duration } from '../src/parse-iso8601-duration.js';
import { scenarioConfigPath } from './support/scenario-environment.js';

describe('Config.json (official emulator format)', () => {
  it('reads queues, topics, subscriptions and rules with the official defaults', () => {
    const definitions = entityDefinitionsFromConfig(readEmulatorConfigFile(scenarioConfigPath));
    const queue = definitions.queues.find((candidate) => candidate.name === 'scenario-queue')!;
    expect(queue.options).toMatchObject({
      lockDurationMs: 5_000,
      maxDeliveryCount: 3,
      defaultMessageTimeToLiveMs: 3_600_000,
    });
    const forwarding = definitions.queues.find(
      (candidate) => candidate.name === 'scenario-forwarding-queue',
    )!;
    expect(forwarding.options.forwardTo).toBe('scenario-forward-target');
    const topic = definitions.topics[0]!;
    const urgent = topic.subscriptions.find((subscription) => subscription.name === 'urgent')!;
    expect(urgent.options.rules).toEqual([
      {
        name: 'urgent-only',
        filter: { sqlExpression: "priority > 5 AND sys.Label LIKE 'order%'" },
        action: { sqlExpression: "SET routedBy = 'urgent-only'; REMOVE internalNote" },
      },
    ]);
    const europe = topic.subscriptions.find((subscription) => subscription.name === 'europe')!;
    expect(europe.options.rules?.[0]?.filter).toEqual({
      subject: 'order-placed',
      applicationProperties: { region: 'eu' },
    });
    expect(
      topic.subscriptions.find((subscription) => subscription.name === 'everything')!.options.rules,
    ).toBeUndefined();
  });

  it('parses ISO 8601 durations', () => {
    expect(parseIso8601Duration('PT1M')).toBe(60_000);
    expect(parseIso8601Duration('PT20S')).toBe(20_000);
    expect(parseIso8601Duration('P1DT1H')).toBe(90_000_000);
    expect(() => parseIso8601Duration('1 minute')).toThrow(/ISO 8601/);
  });

  it('rejects a file without namespaces', () => {
    expect(() => entityDefinitionsFromConfig({} as never)).toThrow(/Namespaces/);
  });
});
