import { ConfigurationError, TransportNotInstalledError } from '../errors/index.js';
import type { Transport, TransportFactory, TransportFactoryOptions } from '../transport/transport.js';
import { redactSecrets } from './redact.js';

/** Loads an adapter module exporting `transportFactory`. */
export type TransportLoader = () => Promise<{ transportFactory: TransportFactory }>;

interface RegistryEntry {
  readonly packageName: string;
  readonly load: TransportLoader;
}

// Adapters are loaded with import() on first use, so an application depends on core plus the one
// adapter it uses. The specifier is a variable on purpose: bundlers must not try to include every
// adapter, and a missing one must fail at run time with TransportNotInstalledError.
const loadPackage =
  (packageName: string): TransportLoader =>
  () =>
    import(/* @vite-ignore */ packageName);

const builtIn: [scheme: string, packageName: string][] = [
  ['memory', '@omnibus/memory'],
  ['amqp', '@omnibus/rabbitmq'],
  ['amqps', '@omnibus/rabbitmq'],
  ['aws', '@omnibus/aws'],
  ['gcp-pubsub', '@omnibus/gcp-pubsub'],
  ['azure-servicebus', '@omnibus/azure-service-bus'],
];
const registry = new Map<string, RegistryEntry>(
  builtIn.map(([scheme, packageName]) => [scheme, { packageName, load: loadPackage(packageName) }]),
);

/**
 * Registers (or replaces) the adapter for a URL scheme, for third-party transports:
 * `registerTransport('nats', '@acme/omnibus-nats', () => import('@acme/omnibus-nats'))`.
 */
export function registerTransport(scheme: string, packageName: string, load: TransportLoader): void {
  registry.set(scheme.toLowerCase().replace(/:$/, ''), { packageName, load });
}

/**
 * Creates the transport a URL (or a Service Bus connection string) names. Throws
 * `ConfigurationError` for a malformed URL or an unknown scheme and `TransportNotInstalledError`
 * when the adapter package is missing; no secret from the URL appears in either.
 */
export async function createTransportFromUrl(
  location: string | URL,
  options: TransportFactoryOptions,
): Promise<Transport> {
  const text = String(location).trim();
  const scheme = schemeOf(text);
  const entry = registry.get(scheme);
  if (!entry) {
    const known = [...registry.keys()].map((name) => `${name}://`).join(', ');
    throw new ConfigurationError(
      `Unknown transport scheme '${scheme}:' in '${redactSecrets(text)}'. Known schemes: ${known}.`,
    );
  }
  let module: { transportFactory: TransportFactory };
  try {
    module = await entry.load();
  } catch (error) {
    if (isModuleNotFound(error, entry.packageName))
      throw new TransportNotInstalledError(entry.packageName, scheme, { cause: error });
    throw error;
  }
  if (typeof module.transportFactory !== 'function') {
    throw new ConfigurationError(
      `${entry.packageName} does not export a transportFactory; is it an Omnibus transport?`,
    );
  }
  return module.transportFactory(text, options);
}

function schemeOf(text: string): string {
  // A Service Bus connection string is not a URL; it names its endpoint in an `Endpoint=sb://` pair.
  if (/^endpoint\s*=\s*sb:\/\//i.test(text)) return 'azure-servicebus';
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  if (!match) {
    throw new ConfigurationError(
      `'${redactSecrets(text)}' is not a transport URL. Use a URL such as memory://, amqp://user:pass@host:5672 or aws://?region=us-east-1.`,
    );
  }
  const scheme = match[1]!.toLowerCase();
  try {
    new URL(text);
  } catch {
    throw new ConfigurationError(
      `The transport URL '${redactSecrets(text)}' is malformed; check its host, port and escaping.`,
    );
  }
  return scheme;
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (module|package)/.test(message)) &&
    message.includes(packageName)
  );
}
