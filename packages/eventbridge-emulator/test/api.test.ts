import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  LimitExceededException,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TestEventPatternCommand,
  EventBridgeServiceException,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '../src/index.js';
import { createTestClient, uniqueName } from './create-test-client.js';

let emulator: EventBridgeEmulator;
let client: EventBridgeClient;

beforeAll(async () => {
  emulator = await startEventBridgeEmulator({
    port: 0,
    clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
  });
  client = createTestClient(emulator.endpoint);
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
});

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const pattern = JSON.stringify({ source: ['orders'] });
// The SDK does not model ValidationException: it arrives as the service's base exception, named.
const validationError = { name: 'ValidationException', $fault: 'client' };

it('raises ValidationException as the SDK does for AWS: the base exception class, named', async () => {
  const error = await client
    .send(new DeleteEventBusCommand({ Name: 'default' }))
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(EventBridgeServiceException);
  expect(error).toMatchObject({ ...validationError, $metadata: { httpStatusCode: 400 } });
});

describe('event buses', () => {
  it('always has the default bus', async () => {
    const bus = await client.send(new DescribeEventBusCommand({}));
    expect(bus.Name).toBe('default');
    expect(bus.Arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/default');
    expect(bus.CreationTime).toEqual(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
  });

  it('creates, describes, lists and deletes a custom bus', async () => {
    const name = uniqueName('bus');
    const created = await client.send(new CreateEventBusCommand({ Name: name, Description: 'orders' }));
    expect(created.EventBusArn).toBe(`arn:aws:events:us-east-1:000000000000:event-bus/${name}`);
    expect((await client.send(new DescribeEventBusCommand({ Name: created.EventBusArn }))).Description).toBe(
      'orders',
    );
    const listed = await client.send(new ListEventBusesCommand({ NamePrefix: name }));
    expect(listed.EventBuses?.map((bus) => bus.Name)).toEqual([name]);

    await expect(client.send(new CreateEventBusCommand({ Name: name }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await client.send(new DeleteEventBusCommand({ Name: name }));
    await expect(client.send(new DescribeEventBusCommand({ Name: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('refuses to delete the default bus or a bus that still has rules', async () => {
    await expect(client.send(new DeleteEventBusCommand({ Name: 'default' }))).rejects.toMatchObject(
      validationError,
    );
    const name = uniqueName('bus');
    await client.send(new CreateEventBusCommand({ Name: name }));
    await client.send(new PutRuleCommand({ Name: 'r', EventBusName: name, EventPattern: pattern }));
    await expect(client.send(new DeleteEventBusCommand({ Name: name }))).rejects.toMatchObject(
      validationError,
    );
    await client.send(new DeleteRuleCommand({ Name: 'r', EventBusName: name }));
    await client.send(new DeleteEventBusCommand({ Name: name }));
  });

  it('pages ListEventBuses with NextToken', async () => {
    const prefix = uniqueName('paged');
    for (const suffix of ['a', 'b', 'c'])
      await client.send(new CreateEventBusCommand({ Name: `${prefix}-${suffix}` }));
    const first = await client.send(new ListEventBusesCommand({ NamePrefix: prefix, Limit: 2 }));
    expect(first.EventBuses).toHaveLength(2);
    const second = await client.send(
      new ListEventBusesCommand({ NamePrefix: prefix, Limit: 2, NextToken: first.NextToken }),
    );
    expect(second.EventBuses?.map((bus) => bus.Name)).toEqual([`${prefix}-c`]);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('rules', () => {
  it('round-trips PutRule, DescribeRule, ListRules, Enable/DisableRule and DeleteRule', async () => {
    const name = uniqueName('rule');
    const { RuleArn } = await client.send(
      new PutRuleCommand({
        Name: name,
        EventPattern: pattern,
        Description: 'orders only',
        State: 'DISABLED',
      }),
    );
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:000000000000:rule/${name}`);

    const described = await client.send(new DescribeRuleCommand({ Name: name }));
    expect(described).toMatchObject({
      Name: name,
      Arn: RuleArn,
      EventPattern: pattern,
      State: 'DISABLED',
      Description: 'orders only',
      EventBusName: 'default',
    });

    await client.send(new EnableRuleCommand({ Name: name }));
    expect((await client.send(new DescribeRuleCommand({ Name: name }))).State).toBe('ENABLED');
    await client.send(new DisableRuleCommand({ Name: name }));
    expect((await client.send(new DescribeRuleCommand({ Name: name }))).State).toBe('DISABLED');

    const listed = await client.send(new ListRulesCommand({ NamePrefix: name }));
    expect(listed.Rules?.map((rule) => rule.Name)).toEqual([name]);

    await client.send(new DeleteRuleCommand({ Name: name }));
    await expect(client.send(new DescribeRuleCommand({ Name: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    // DeleteRule is idempotent, as on AWS.
    await client.send(new DeleteRuleCommand({ Name: name }));
  });

  it('puts rules on a custom bus with a bus-scoped ARN', async () => {
    const bus = uniqueName('bus');
    const { EventBusArn } = await client.send(new CreateEventBusCommand({ Name: bus }));
    const { RuleArn } = await client.send(
      new PutRuleCommand({ Name: 'r', EventBusName: EventBusArn, EventPattern: pattern }),
    );
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:000000000000:rule/${bus}/r`);
    expect(
      (await client.send(new ListRulesCommand({ EventBusName: bus }))).Rules?.map((rule) => rule.Name),
    ).toEqual(['r']);
    await expect(client.send(new DescribeRuleCommand({ Name: 'r' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('rejects invalid patterns, missing patterns and unknown buses with the AWS exceptions', async () => {
    const invalid = client.send(
      new PutRuleCommand({ Name: uniqueName('rule'), EventPattern: '{"source":"orders"}' }),
    );
    await expect(invalid).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(invalid).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await expect(
      client.send(new PutRuleCommand({ Name: uniqueName('rule'), EventPattern: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(client.send(new PutRuleCommand({ Name: uniqueName('rule') }))).rejects.toMatchObject(
      validationError,
    );
    await expect(
      client.send(new PutRuleCommand({ Name: 'bad name!', EventPattern: pattern })),
    ).rejects.toThrow(/regular expression pattern/);
    await expect(
      client.send(
        new PutRuleCommand({ Name: uniqueName('rule'), EventPattern: pattern, EventBusName: 'nope' }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new EnableRuleCommand({ Name: uniqueName('missing') }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('targets', () => {
  it('puts, lists and removes targets; DeleteRule fails while targets remain', async () => {
    const rule = uniqueName('rule');
    await client.send(new PutRuleCommand({ Name: rule, EventPattern: pattern }));
    const put = await client.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [
          { Id: 'queue', Arn: queueArn('q1'), InputPath: '$.detail' },
          { Id: 'topic', Arn: 'arn:aws:sns:us-east-1:000000000000:t1', Input: '{"fixed":true}' },
        ],
      }),
    );
    expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });

    const listed = await client.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(listed.Targets).toEqual([
      { Id: 'queue', Arn: queueArn('q1'), InputPath: '$.detail' },
      { Id: 'topic', Arn: 'arn:aws:sns:us-east-1:000000000000:t1', Input: '{"fixed":true}' },
    ]);

    const byTarget = await client.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn('q1') }));
    expect(byTarget.RuleNames).toContain(rule);

    const deleting = client.send(new DeleteRuleCommand({ Name: rule }));
    await expect(deleting).rejects.toMatchObject(validationError);
    await expect(deleting).rejects.toThrow("Rule can't be deleted since it has targets.");

    const removed = await client.send(
      new RemoveTargetsCommand({ Rule: rule, Ids: ['queue', 'topic', 'unknown'] }),
    );
    expect(removed.FailedEntryCount).toBe(0);
    await client.send(new DeleteRuleCommand({ Name: rule }));
  });

  it('reports per-entry failures and keeps the valid entries', async () => {
    const rule = uniqueName('rule');
    await client.send(new PutRuleCommand({ Name: rule, EventPattern: pattern }));
    const put = await client.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [
          { Id: 'good', Arn: queueArn('q1') },
          { Id: 'two-inputs', Arn: queueArn('q1'), Input: '{}', InputPath: '$.detail' },
          { Id: 'bad-json', Arn: queueArn('q1'), Input: '{oops' },
          { Id: 'bad-arn', Arn: 'not-an-arn' },
          { Id: 'fifo-without-group', Arn: queueArn('q.fifo') },
          { Id: 'bad-path', Arn: queueArn('q1'), InputPath: '$..detail[?(@.x)]' },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(5);
    expect(put.FailedEntries?.map((entry) => entry.TargetId)).toEqual([
      'two-inputs',
      'bad-json',
      'bad-arn',
      'fifo-without-group',
      'bad-path',
    ]);
    expect(
      put.FailedEntries?.every((entry) => entry.ErrorCode === 'ValidationException' && entry.ErrorMessage),
    ).toBe(true);
    const listed = await client.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(listed.Targets?.map((target) => target.Id)).toEqual(['good']);
  });

  it('limits a rule to five targets and PutTargets to a known rule', async () => {
    const rule = uniqueName('rule');
    await client.send(new PutRuleCommand({ Name: rule, EventPattern: pattern }));
    const targets = Array.from({ length: 6 }, (_, index) => ({
      Id: `t${index}`,
      Arn: queueArn(`q${index}`),
    }));
    await expect(client.send(new PutTargetsCommand({ Rule: rule, Targets: targets }))).rejects.toBeInstanceOf(
      LimitExceededException,
    );
    await expect(
      client.send(new PutTargetsCommand({ Rule: uniqueName('missing'), Targets: targets.slice(0, 1) })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('PutEvents', () => {
  it('returns an EventId per accepted entry and a code per rejected one', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'orders', DetailType: 'OrderPlaced', Detail: '{"id":1}' },
          { Source: 'orders', DetailType: 'OrderPlaced', Detail: '[1,2]' },
          { Source: 'orders', Detail: '{}' },
          { Source: 'aws.ec2', DetailType: 'x', Detail: '{}' },
          { Source: 'orders', DetailType: 'x', Detail: '{}', EventBusName: 'no-such-bus' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.Entries?.slice(1).map((entry) => entry.ErrorCode)).toEqual([
      'MalformedDetail',
      'InvalidArgument',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
    ]);
  });

  it('rejects more than 10 entries and more than 256 KiB', async () => {
    const entry = { Source: 'orders', DetailType: 'x', Detail: '{}' };
    await expect(client.send(new PutEventsCommand({ Entries: Array(11).fill(entry) }))).rejects.toMatchObject(
      validationError,
    );
    const big = { ...entry, Detail: JSON.stringify({ blob: 'x'.repeat(256 * 1024) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toThrow(
      'Total size of the entries in the request is over the limit.',
    );
    // Just under the limit is accepted.
    const fits = { ...entry, Detail: JSON.stringify({ blob: 'x'.repeat(256 * 1024 - 100) }) };
    expect((await client.send(new PutEventsCommand({ Entries: [fits] }))).FailedEntryCount).toBe(0);
  });
});

describe('TestEventPattern', () => {
  const event = JSON.stringify({
    id: '1',
    source: 'orders',
    'detail-type': 'OrderPlaced',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { amount: 150 },
  });

  it('answers Result for matching and non-matching patterns', async () => {
    const yes = { source: ['orders'], detail: { amount: [{ numeric: ['>', 100] }] } };
    const no = { source: ['orders'], detail: { amount: [{ numeric: ['<', 100] }] } };
    expect(
      (await client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(yes), Event: event })))
        .Result,
    ).toBe(true);
    expect(
      (await client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(no), Event: event })))
        .Result,
    ).toBe(false);
  });

  it('maps invalid patterns to InvalidEventPatternException and invalid events to ValidationException', async () => {
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{"detail":{"amount":[]}}', Event: event })),
    ).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: pattern, Event: 'not json' })),
    ).rejects.toMatchObject(validationError);
  });
});

it('answers unknown operations with UnknownOperationException', async () => {
  const response = await fetch(emulator.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': 'AWSEvents.StartReplay', 'content-type': 'application/x-amz-json-1.1' },
    body: '{}',
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
});

describe('PutEvents as an AWS service', () => {
  it('accepts aws.* sources only from the access keys that stand for AWS services', async () => {
    const services = await startEventBridgeEmulator({ serviceAccessKeyIds: ['aws-service'] });
    try {
      const asService = new EventBridgeClient({
        endpoint: services.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'aws-service', secretAccessKey: 'x' },
        maxAttempts: 1,
      });
      const asCustomer = createTestClient(services.endpoint);
      const entry = { Source: 'aws.s3', DetailType: 'Object Created', Detail: '{"bucket":{"name":"b"}}' };
      const accepted = await asService.send(new PutEventsCommand({ Entries: [entry] }));
      const refused = await asCustomer.send(new PutEventsCommand({ Entries: [entry] }));
      expect(accepted.FailedEntryCount).toBe(0);
      expect(accepted.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(refused.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    } finally {
      await services.close();
    }
  });
});
