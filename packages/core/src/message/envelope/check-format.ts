import { ConfigurationError } from '../../errors/index.js';

/** Validates a producer's `format` option when the producer is created. */
export function checkFormat(format: unknown): 'binary' | 'structured' | undefined {
  if (format === undefined || format === 'binary' || format === 'structured') return format;
  throw new ConfigurationError(`format must be 'binary' or 'structured'; got ${String(format)}.`);
}
