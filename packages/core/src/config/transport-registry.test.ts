import { describe, expect, it } from 'vitest';
import { ConfigurationError, TransportNotInstalledError } from '../errors/index.js';
import { redactSecrets } from './redact.js';
import { createTransportFromUrl, registerTransport } from './transport-registry.js';

const options = { provision: 'auto' } as const;

describe('createTransportFromUrl', () => {
  it('rejects an unknown scheme with the known ones, never echoing the password', async () => {
    const failure = createTransportFromUrl('nats://user:hunter2@host:4222', options);
    await expect(failure).rejects.toThrow(ConfigurationError);
    await expect(failure).rejects.toThrow(/Unknown transport scheme 'nats:'.*amqp:\/\//);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('rejects a malformed URL or a bare word', async () => {
    await expect(createTransportFromUrl('amqp://guest:s3cret@[bad', options)).rejects.toThrow(/malformed/);
    await expect(createTransportFromUrl('amqp://guest:s3cret@[bad', options)).rejects.not.toThrow(/s3cret/);
    await expect(createTransportFromUrl('rabbit', options)).rejects.toThrow(/not a transport URL/);
  });

  it('names the package to install when the adapter is missing', async () => {
    registerTransport(
      'missing-test',
      '@omnibus/not-a-real-package',
      () => import('@omnibus/not-a-real-package' as string),
    );
    const failure = createTransportFromUrl('missing-test://x', options);
    await expect(failure).rejects.toThrow(TransportNotInstalledError);
    await expect(failure).rejects.toThrow(/npm install @omnibus\/not-a-real-package/);
  });

  it('routes a Service Bus connection string to the Azure adapter', async () => {
    registerTransport('azure-servicebus', '@omnibus/azure-service-bus', async () => ({
      transportFactory: (url) => {
        throw new ConfigurationError(`routed ${redactSecrets(String(url))}`);
      },
    }));
    await expect(
      createTransportFromUrl(
        'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abc123=',
        options,
      ),
    ).rejects.toThrow(
      /routed Endpoint=sb:\/\/ns.servicebus.windows.net\/;SharedAccessKeyName=root;SharedAccessKey=\*\*\*/,
    );
  });
});

describe('redactSecrets', () => {
  it('removes URL passwords and key-value secrets', () => {
    expect(redactSecrets('amqp://guest:guest@127.0.0.1:5672/vhost')).toBe(
      'amqp://guest:***@127.0.0.1:5672/vhost',
    );
    expect(redactSecrets('Endpoint=sb://x/;SharedAccessKeyName=n;SharedAccessKey=k+/=')).toBe(
      'Endpoint=sb://x/;SharedAccessKeyName=n;SharedAccessKey=***',
    );
    expect(redactSecrets('aws://?region=eu&token=abc')).toBe('aws://?region=eu&token=***');
    expect(redactSecrets('memory://')).toBe('memory://');
  });
});
