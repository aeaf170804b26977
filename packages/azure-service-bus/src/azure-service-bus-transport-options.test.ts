import { ConfigurationError } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import { createAzureServiceBusTransport, transportFactory } from './index.js';
import { optionsFromUrl, resolveAzureServiceBusOptions } from './azure-service-bus-transport-options.js';
import { fitName, ruleSubscriptionName, subscriptionName } from './service-bus-names.js';

const CONNECTION =
  'Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0LWtleQ==';

describe('azure-service-bus options', () => {
  it('accepts a connection string and reads the emulator flag', () => {
    expect(resolveAzureServiceBusOptions({ connectionString: CONNECTION })).toMatchObject({
      host: 'example.servicebus.windows.net',
      developmentEmulator: false,
      provision: 'auto',
    });
    expect(
      resolveAzureServiceBusOptions({
        connectionString:
          'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=true',
      }).developmentEmulator,
    ).toBe(true);
  });

  it('lists every problem at once and never echoes the key', () => {
    let error: unknown;
    try {
      createAzureServiceBusTransport({
        connectionString: 'Endpoint=http://nope;SharedAccessKey=TOP-SECRET',
        provision: 'sometimes' as 'auto',
        maxDeliveryCount: 0,
      });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('Endpoint=sb://');
    expect(message).toContain('provision');
    expect(message).toContain('maxDeliveryCount');
    expect(message).not.toContain('TOP-SECRET');
  });

  it('wants exactly one of connectionString and namespace', () => {
    expect(() => createAzureServiceBusTransport({})).toThrow(/exactly one/);
    expect(() =>
      createAzureServiceBusTransport({ connectionString: CONNECTION, namespace: 'x.servicebus.windows.net' }),
    ).toThrow(/exactly one/);
  });

  it('reads azure-servicebus:// URLs and connection strings given to createBus', () => {
    expect(optionsFromUrl('azure-servicebus://my-ns?namePrefix=dev.', { provision: 'never' })).toEqual({
      namespace: 'my-ns.servicebus.windows.net',
      provision: 'never',
      namePrefix: 'dev.',
    });
    expect(optionsFromUrl(CONNECTION, { provision: 'auto' })).toEqual({
      connectionString: CONNECTION,
      provision: 'auto',
    });
    expect(() => optionsFromUrl('azure-servicebus://user:pw@my-ns', { provision: 'auto' })).toThrow(
      /carry no credentials/,
    );
    expect(() => transportFactory('azure-servicebus://my-ns?region=x', { provision: 'auto' })).toThrow(
      /Unknown azure-servicebus URL parameter/,
    );
  });
});

describe('native names', () => {
  it('keeps names that fit and shortens longer ones deterministically to 50 characters', () => {
    expect(subscriptionName('email-sender')).toBe('email-sender');
    const long = 'a-very-long-subscription-name-that-goes-on-and-on-and-on';
    expect(subscriptionName(long)).toHaveLength(50);
    expect(subscriptionName(long)).toBe(subscriptionName(long));
    expect(subscriptionName(`${long}-1`)).not.toBe(subscriptionName(`${long}-2`));
    expect(fitName('short', 50)).toBe('short');
    expect(ruleSubscriptionName(long, 'fabc123').length).toBeLessThanOrEqual(50);
  });
});
