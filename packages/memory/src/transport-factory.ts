import { ConfigurationError } from '@omnibus/core';
import {
  redactSecrets,
  type Transport,
  type TransportFactory,
  type TransportFactoryOptions,
} from '@omnibus/core/transport';
import { createMemoryTransport } from './memory-transport.js';
import type { MemoryTransportOptions } from './memory-transport-options.js';

const parameters = ['maxMessageBytes', 'visibilityTimeoutMs'] as const;

/**
 * Creates the memory transport from a URL, for `createBus('memory://')`:
 *
 * - `memory://` — the process-wide broker `'default'`;
 * - `memory://billing` — the process-wide broker `'billing'` (separate queues, topics and rules);
 * - `?maxMessageBytes=65536&visibilityTimeoutMs=5000` — the options of the same names.
 */
export const transportFactory: TransportFactory = (
  location: URL | string,
  options: TransportFactoryOptions,
): Transport => {
  let url: URL;
  try {
    url = location instanceof URL ? location : new URL(String(location));
  } catch (error) {
    throw new ConfigurationError(
      `'${redactSecrets(String(location))}' is not a valid memory transport URL; use memory:// or memory://<broker-name>.`,
      {
        cause: error,
        transport: 'memory',
      },
    );
  }
  const problems: string[] = [];
  if (url.protocol !== 'memory:') problems.push(`the scheme must be memory:, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') problems.push('it must not carry credentials');
  if (url.port !== '') problems.push('it must not have a port');
  if (url.pathname !== '' && url.pathname !== '/')
    problems.push(`it must not have a path (got '${url.pathname}')`);
  const transportOptions: MemoryTransportOptions = { provision: options?.provision ?? 'auto' };
  for (const [name, value] of url.searchParams) {
    if (!(parameters as readonly string[]).includes(name)) {
      problems.push(`unknown parameter '${name}' (known: ${parameters.join(', ')})`);
      continue;
    }
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      problems.push(`${name} must be a number; got '${value}'`);
      continue;
    }
    transportOptions[name as (typeof parameters)[number]] = number;
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `Invalid memory transport URL '${redactSecrets(url.href)}': ${problems.join('; ')}.`,
      { transport: 'memory' },
    );
  }
  transportOptions.broker = url.hostname === '' ? 'default' : decodeURIComponent(url.hostname);
  return createMemoryTransport(transportOptions);
};
