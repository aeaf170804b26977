import { ConfigurationError } from '../errors/index.js';
import { defaultBackoff, type ResolvedBackoff } from './backoff.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { EnvelopeMode } from '../message/envelope/envelope-mode.js';
import type { Middleware } from './handler.js';

/** Consumer options with defaults applied and every value checked. */
export interface ResolvedConsumerOptions {
  readonly concurrency: number;
  readonly attempts: number;
  readonly backoff: ResolvedBackoff;
  readonly shouldRetry: ((error: Error, attempt: number) => boolean) | undefined;
  readonly deadLetter: boolean;
  readonly middleware: readonly Middleware[];
  readonly ordering: 'key' | 'none';
  readonly handlerTimeoutMs: number | undefined;
  readonly envelope: EnvelopeMode;
}

/** Validates consumer options at construction, so a typo fails at once rather than in production. */
export function validateConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  const concurrency = options.concurrency ?? 10;
  positiveInteger('concurrency', concurrency);
  const retry = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const attempts = retry.attempts ?? 5;
  positiveInteger('retry.attempts', attempts);
  const backoff: ResolvedBackoff = { ...defaultBackoff, ...stripUndefined(retry.backoff ?? {}) };
  nonNegative('retry.backoff.initialMs', backoff.initialMs);
  nonNegative('retry.backoff.maxMs', backoff.maxMs);
  if (typeof backoff.factor !== 'number' || !(backoff.factor >= 1)) {
    throw new ConfigurationError(
      `retry.backoff.factor must be a number >= 1; got ${String(backoff.factor)}.`,
    );
  }
  const ordering = options.ordering ?? 'none';
  if (ordering !== 'key' && ordering !== 'none') {
    throw new ConfigurationError(`ordering must be 'key' or 'none'; got ${String(ordering)}.`);
  }
  const middleware = options.middleware ?? [];
  if (!Array.isArray(middleware) || middleware.some((layer) => typeof layer !== 'function')) {
    throw new ConfigurationError('middleware must be an array of functions, e.g. [idempotency({ store })].');
  }
  if (options.handlerTimeoutMs !== undefined) positiveInteger('handlerTimeoutMs', options.handlerTimeoutMs);
  const envelope = options.envelope ?? 'auto';
  if (envelope !== 'auto' && envelope !== 'raw') {
    throw new ConfigurationError(`envelope must be 'auto' or 'raw'; got ${String(envelope)}.`);
  }
  return {
    concurrency,
    attempts,
    backoff,
    shouldRetry: 'shouldRetry' in retry ? retry.shouldRetry : undefined,
    deadLetter: options.deadLetter ?? true,
    middleware,
    ordering,
    handlerTimeoutMs: options.handlerTimeoutMs,
    envelope,
  };
}

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be an integer >= 1; got ${String(value)}.`);
  }
}

function nonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a finite number >= 0; got ${String(value)}.`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
