import type { AccessToken, TokenCredential } from '@azure/identity';
import { ServiceBusAdministrationClient, type ServiceBusClient } from '@azure/service-bus';
import { ConfigurationError, ConnectionError } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import {
  createAdministrationClient,
  createAdministrationClientAdministration,
} from '../src/service-bus-administration.js';
import { createServiceBusProvisioner } from '../src/service-bus-provisioner.js';
import {
  createFakeServiceBusManagement,
  type FakeServiceBusManagementOptions,
} from './support/fake-service-bus-management.js';

// The administration path through the real ServiceBusAdministrationClient, built by the same
// function the transport uses: its serializers, signing and error handling run; only the network
// is replaced, by a fake of the ATOM management API added as the pipeline's last policy.
const HOST = 'omnibus-test.servicebus.windows.net';
const KEY = 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ==';
const CONNECTION_STRING = `Endpoint=sb://${HOST}/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${KEY}`;

function setup(options: Partial<FakeServiceBusManagementOptions> = {}) {
  const fake = createFakeServiceBusManagement({ host: HOST, ...options });
  const client = fake.attach(createAdministrationClient({ connectionString: CONNECTION_STRING }));
  return { fake, client, administration: createAdministrationClientAdministration(client) };
}

const queueSpec = { requiresSession: true, maxDeliveryCount: 7, lockDurationMs: 30_000 };
const subscriptionDefaults = { maxDeliveryCount: 2_147_483_647, lockDurationMs: 60_000 };

/** Position of each element in the order sent, to check the relative order the service needs. */
function positions(order: readonly string[], names: readonly string[]): number[] {
  return names.map((name) => order.indexOf(name));
}

describe('administration through ServiceBusAdministrationClient (ATOM fixtures)', () => {
  it('creates a queue with one PUT of a QueueDescription carrying the spec', async () => {
    const { fake, client, administration } = setup();
    await administration.ensureQueue('orders', queueSpec);

    expect(fake.writes()).toHaveLength(1);
    const [put] = fake.requests;
    expect(put).toMatchObject({ method: 'PUT', path: 'orders', apiVersion: '2021-05' });
    expect(put!.headers.authorization).toMatch(/^SharedAccessSignature \S*\bsr=/);
    expect(put!.headers['if-match']).toBeUndefined();
    expect(put!.headers['content-type']).toBe('application/atom+xml;type=entry;charset=utf-8');
    expect(put!.description).toMatchObject({
      element: 'QueueDescription',
      properties: {
        LockDuration: 'PT30S',
        RequiresSession: 'true',
        MaxDeliveryCount: '7',
        DeadLetteringOnMessageExpiration: 'true',
      },
    });
    const order = positions(put!.description!.order, [
      'LockDuration',
      'RequiresSession',
      'DeadLetteringOnMessageExpiration',
      'MaxDeliveryCount',
    ]);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).not.toContain(-1);
    // No secret on the wire: the key signs the token, it is never sent.
    expect(JSON.stringify(fake.requests)).not.toContain(KEY);

    // The 201 entry and a later GET are read back by the SDK's own deserializer.
    const queue = await client.getQueue('orders');
    expect(queue).toMatchObject({
      name: 'orders',
      requiresSession: true,
      maxDeliveryCount: 7,
      lockDuration: 'PT30S',
    });
  });

  it('rounds the lock duration up to whole seconds in ISO 8601', async () => {
    const { fake, administration } = setup();
    await administration.ensureQueue('slow', {
      requiresSession: false,
      maxDeliveryCount: 1,
      lockDurationMs: 90_500,
    });
    expect(fake.entity('slow')?.properties).toMatchObject({
      LockDuration: 'PT91S',
      RequiresSession: 'false',
    });
  });

  it('is idempotent: a second ensure gets 409 MessagingEntityAlreadyExists and resolves', async () => {
    const { fake, administration } = setup();
    await administration.ensureQueue('orders', queueSpec);
    await administration.ensureQueue('orders', { ...queueSpec, maxDeliveryCount: 3 });
    await administration.ensureTopic('events');
    await administration.ensureTopic('events');
    await administration.ensureSubscription('events', 'audit', subscriptionDefaults);
    await administration.ensureSubscription('events', 'audit', subscriptionDefaults);

    expect(fake.writes().map((request) => `${request.method} ${request.path}`)).toEqual([
      'PUT orders',
      'PUT orders',
      'PUT events',
      'PUT events',
      'PUT events/Subscriptions/audit',
      'PUT events/Subscriptions/audit',
    ]);
    // An existing entity is left as it is.
    expect(fake.entity('orders')?.properties.MaxDeliveryCount).toBe('7');
    expect(fake.paths()).toEqual([
      'events',
      'events/Subscriptions/audit',
      'events/Subscriptions/audit/Rules/$Default',
      'orders',
    ]);
  });

  it('tolerates processes racing to create the same entities', async () => {
    const { fake, administration } = setup();
    await Promise.all([
      administration.ensureTopic('events'),
      administration.ensureTopic('events'),
      administration.ensureQueue('orders', queueSpec),
      administration.ensureQueue('orders', queueSpec),
    ]);
    expect(fake.writes()).toHaveLength(4);
    expect(fake.paths()).toEqual(['events', 'orders']);
  });

  it('does not take a 409 "conflicting operation in progress" for "already exists"', async () => {
    const { fake, administration } = setup();
    fake.failNext(
      'PUT',
      /^orders$/,
      409,
      'SubCode=40901. Another conflicting operation is in progress. To know more visit https://aka.ms/sbResourceMgrExceptions.',
    );
    await expect(administration.ensureQueue('orders', queueSpec)).rejects.toMatchObject({
      code: 'ServiceError',
      statusCode: 409,
    });
    expect(fake.entity('orders')).toBeUndefined();
    await administration.ensureQueue('orders', queueSpec);
    expect(fake.entity('orders')).toBeDefined();
  });

  it('creates a forwarding subscription with its only rule, a correlation filter', async () => {
    const { fake, client, administration } = setup();
    await administration.ensureQueue('billing', {
      requiresSession: false,
      maxDeliveryCount: 5,
      lockDurationMs: 60_000,
    });
    await administration.ensureTopic('omnibus.events');
    await administration.ensureSubscription('omnibus.events', 'rule-billing', {
      ...subscriptionDefaults,
      forwardTo: 'billing',
      rule: {
        name: 'omnibus.0123456789abcdef',
        filter: { applicationProperties: { 'omnibus.type': 'order.placed' } },
      },
    });

    const put = fake.requests.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', path: 'omnibus.events/Subscriptions/rule-billing' });
    // The service only accepts ForwardTo with a token for the destination.
    expect(put.headers.servicebussupplementaryauthorization).toMatch(/^SharedAccessSignature \S*\bsr=/);
    expect(put.description).toMatchObject({
      element: 'SubscriptionDescription',
      properties: {
        LockDuration: 'PT60S',
        MaxDeliveryCount: '2147483647',
        DeadLetteringOnMessageExpiration: 'true',
        ForwardTo: `sb://${HOST}/billing`,
      },
      defaultRule: {
        name: 'omnibus.0123456789abcdef',
        filterType: 'CorrelationFilter',
        properties: { 'omnibus.type': ['string', 'order.placed'] },
        actionType: 'EmptyRuleAction',
      },
    });
    expect(put.description!.properties.RequiresSession).toBeUndefined();
    const order = positions(put.description!.order, [
      'LockDuration',
      'DeadLetteringOnMessageExpiration',
      'DefaultRuleDescription',
      'MaxDeliveryCount',
      'ForwardTo',
    ]);
    expect(order).not.toContain(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // Exactly one rule, no `$Default` taking everything.
    expect(fake.rules('omnibus.events', 'rule-billing').map((rule) => rule.name)).toEqual([
      'omnibus.0123456789abcdef',
    ]);
    const rule = await client.getRule('omnibus.events', 'rule-billing', 'omnibus.0123456789abcdef');
    expect(rule.filter).toMatchObject({ applicationProperties: { 'omnibus.type': 'order.placed' } });
    const subscription = await client.getSubscription('omnibus.events', 'rule-billing');
    expect(subscription).toMatchObject({
      forwardTo: `sb://${HOST}/billing`,
      maxDeliveryCount: 2_147_483_647,
    });
  });

  it('creates a session subscription with a SQL rule', async () => {
    const { fake, administration } = setup();
    await administration.ensureTopic('events');
    await administration.ensureSubscription('events', 'ordered', {
      maxDeliveryCount: 4,
      lockDurationMs: 5_000,
      requiresSession: true,
      rule: { name: 'only-eu', filter: { sqlExpression: "region = 'eu' AND amount > 10" } },
    });
    expect(fake.requests.at(-1)!.description).toMatchObject({
      properties: { RequiresSession: 'true', MaxDeliveryCount: '4', LockDuration: 'PT5S' },
      defaultRule: {
        name: 'only-eu',
        filterType: 'SqlFilter',
        sqlExpression: "region = 'eu' AND amount > 10",
      },
    });
    expect(fake.requests.at(-1)!.headers.servicebussupplementaryauthorization).toBeUndefined();
    expect(fake.rules('events', 'ordered')).toHaveLength(1);
  });

  it('fails when a subscription forwards to an entity that does not exist yet', async () => {
    const { administration } = setup();
    await administration.ensureTopic('events');
    await expect(
      administration.ensureSubscription('events', 'dangling', {
        ...subscriptionDefaults,
        forwardTo: 'missing',
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('fails, not resolves, when the topic of a subscription is missing', async () => {
    const { administration } = setup();
    await expect(
      administration.ensureSubscription('nowhere', 'audit', subscriptionDefaults),
    ).rejects.toMatchObject({
      code: 'MessageEntityNotFoundError',
      statusCode: 404,
    });
  });

  for (const missingEntity of ['documented', 'not-found'] as const) {
    it(`deletes subscriptions with their rules, and a missing one is fine (${missingEntity})`, async () => {
      const { fake, client, administration } = setup({ missingEntity });
      await administration.ensureTopic('events');
      await administration.ensureSubscription('events', 'old', {
        ...subscriptionDefaults,
        rule: { name: 'r', filter: { sqlExpression: '1=1' } },
      });
      await administration.deleteSubscription!('events', 'old');
      expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: 'events/Subscriptions/old' });
      expect(fake.paths()).toEqual(['events']);
      await expect(client.subscriptionExists('events', 'old')).resolves.toBe(false);

      await administration.deleteSubscription!('events', 'old');
      expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: 'events/Subscriptions/old' });
    });
  }

  it('uses an Entra ID credential as a bearer token, also for ForwardTo', async () => {
    const fake = createFakeServiceBusManagement({ host: HOST });
    const scopes: string[] = [];
    const credential: TokenCredential = {
      async getToken(scope): Promise<AccessToken> {
        scopes.push(...[scope].flat());
        return { token: 'entra-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const administration = createAdministrationClientAdministration(
      fake.attach(createAdministrationClient({ namespace: HOST, credential })),
    );
    await administration.ensureQueue('target', queueSpec);
    await administration.ensureTopic('events');
    await administration.ensureSubscription('events', 'fwd', {
      ...subscriptionDefaults,
      forwardTo: 'target',
    });

    expect(fake.requests.every((request) => request.headers.authorization === 'Bearer entra-token')).toBe(
      true,
    );
    expect(fake.requests.at(-1)!.headers.servicebussupplementaryauthorization).toBe('entra-token');
    expect(new Set(scopes)).toEqual(new Set(['https://servicebus.azure.net//.default']));
  });

  it('accepts a client the application built (createAdministrationClientAdministration)', async () => {
    const fake = createFakeServiceBusManagement({ host: HOST });
    const administration = createAdministrationClientAdministration(
      fake.attach(new ServiceBusAdministrationClient(CONNECTION_STRING)),
    );
    await administration.ensureTopic('events');
    expect(fake.entity('events')?.kind).toBe('topic');
  });
});

describe('provisioner over the administration client (ATOM fixtures)', () => {
  // With an administration the provisioner never touches the data-plane client.
  const unusedClient = {} as ServiceBusClient;

  it('creates each entity once per transport and maps failures to Omnibus errors', async () => {
    const { fake, administration } = setup();
    const provisioner = createServiceBusProvisioner(unusedClient, administration, 'hint');
    await provisioner.topic('events');
    await provisioner.topic('events');
    await provisioner.subscription('events', 'audit', subscriptionDefaults, 'audit');
    await provisioner.subscription('events', 'audit', subscriptionDefaults, 'audit');
    expect(fake.writes()).toHaveLength(2);
    await expect(provisioner.deleteSubscription('events', 'audit')).resolves.toBe(true);
    expect(fake.paths()).toEqual(['events']);
  });

  it('reports missing management rights as a ConfigurationError without the key', async () => {
    const { fake, administration } = setup();
    fake.failNext('PUT', /^orders$/, 401, 'Authorization failed for specified action: Manage,EntityWrite.');
    const provisioner = createServiceBusProvisioner(unusedClient, administration, 'hint');
    const failure = await provisioner.queue('orders', queueSpec).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(/Data Owner/);
    expect((failure as Error).message).not.toContain(KEY);
    // Not remembered: the next use tries again.
    await provisioner.queue('orders', queueSpec);
    expect(fake.entity('orders')).toBeDefined();
  });

  it('reports a missing topic as a ConfigurationError and a conflicting operation as retryable', async () => {
    const { fake, administration } = setup();
    const provisioner = createServiceBusProvisioner(unusedClient, administration, 'hint');
    await expect(
      provisioner.subscription('nowhere', 'audit', subscriptionDefaults, 'audit'),
    ).rejects.toBeInstanceOf(ConfigurationError);
    // A busy service (503) is retried by the SDK's own retry policy.
    fake.failNext('PUT', /^events$/, 503, 'The server is busy.');
    await provisioner.topic('events');
    expect(fake.writes().filter((request) => request.path === 'events')).toHaveLength(2);
    fake.failNext('PUT', /^other$/, 409, 'SubCode=40901. Another conflicting operation is in progress.');
    const conflict = await provisioner.topic('other').catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ConnectionError);
    expect((conflict as ConnectionError).retryable).toBe(true);
  });
});
