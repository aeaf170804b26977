import type { BusOptions } from '../bus/bus-types.js';
import { ConfigurationError } from '../errors/index.js';
import type { Logger } from '../logger/logger.js';
import { createRedactingLogger } from '../logger/redacting-logger.js';
import type { Transport } from '../transport/transport.js';
import { type BusEventHub, createBusEventHub } from './bus-events.js';
import { type BusObserver, createBusObserver } from './bus-observer.js';
import { createBusTelemetry } from './bus-telemetry.js';
import { loadOpenTelemetry } from './load-opentelemetry.js';

/** What a bus observes itself with. */
export interface Telemetry {
  readonly observer: BusObserver;
  readonly events: BusEventHub;
  /** The bus logger, with trace and span ids on lines written inside a handler. */
  readonly logger: Logger;
  /** Stops watching the transport's connection. */
  close(): void;
}

/**
 * Sets up a bus's telemetry from `options.telemetry`: OpenTelemetry when `@opentelemetry/api`
 * resolves (unless turned off with `false`), lifecycle events always.
 */
export async function createTelemetry(
  options: BusOptions,
  transport: Transport,
  givenLogger: Logger,
): Promise<Telemetry> {
  const logger = createRedactingLogger(givenLogger);
  const requested = options.telemetry;
  if (
    requested !== undefined &&
    requested !== false &&
    (requested === null || typeof requested !== 'object')
  ) {
    throw new ConfigurationError(
      `telemetry must be false or { tracerProvider?, meterProvider? }; got ${String(requested)}.`,
    );
  }
  if (requested) {
    for (const [name, method] of [
      ['tracerProvider', 'getTracer'],
      ['meterProvider', 'getMeter'],
    ] as const) {
      const provider = requested[name] as Record<string, unknown> | undefined;
      if (provider !== undefined && typeof provider?.[method] !== 'function')
        throw new ConfigurationError(
          `telemetry.${name} must be an OpenTelemetry ${name} (with ${method}()).`,
        );
    }
  }
  const api = requested === false ? undefined : await loadOpenTelemetry();
  if (!api && requested && (requested.tracerProvider || requested.meterProvider)) {
    throw new ConfigurationError(
      'telemetry providers were given but @opentelemetry/api is not installed: npm install @opentelemetry/api.',
    );
  }
  const telemetry = api ? createBusTelemetry(api, requested || {}, transport.name) : undefined;
  const events = createBusEventHub((name, error) =>
    logger.error(`A '${name}' listener threw; the bus carries on.`, { error: String(error) }),
  );
  const observer = createBusObserver(telemetry, events, requested !== false);
  const unwatch = transport.watchConnection?.((change) => {
    if (change.state === 'lost')
      events.emit('connection-lost', { transport: transport.name, reason: change.reason });
    else events.emit('connection-restored', { transport: transport.name, downtimeMs: change.downtimeMs });
  });
  return { observer, events, logger: observer.logger(logger), close: () => unwatch?.() };
}
