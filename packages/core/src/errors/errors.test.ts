import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConnectionError,
  DecodeError,
  InvalidPatternError,
  MessageTooLargeError,
  OmnibusError,
  PermanentError,
  TransportNotInstalledError,
  UnsupportedFeatureError,
} from './index.js';

describe('errors', () => {
  it('carry stable codes and are recognised across copies of the package', () => {
    const cases: [OmnibusError, string][] = [
      [new ConfigurationError('x'), 'configuration'],
      [new TransportNotInstalledError('@omnibus/aws', 'aws'), 'transport-not-installed'],
      [new ConnectionError('x'), 'connection'],
      [new MessageTooLargeError(10, 5), 'message-too-large'],
      [new InvalidPatternError('data.a', 'bad'), 'invalid-pattern'],
      [new UnsupportedFeatureError('delay', 'no'), 'unsupported-feature'],
      [new PermanentError('x'), 'permanent'],
      [new DecodeError('x'), 'decode'],
    ];
    for (const [error, code] of cases) {
      expect(error.code).toBe(code);
      expect(error).toBeInstanceOf(OmnibusError);
      expect(OmnibusError.isInstance(error)).toBe(true);
    }
    // A structurally identical error from a second copy of core carries the same global marker.
    const foreign = Object.assign(new Error('x'), { code: 'permanent', [Symbol.for('omnibus.error')]: true });
    expect(PermanentError.isInstance(foreign)).toBe(true);
    expect(ConfigurationError.isInstance(foreign)).toBe(false);
    expect(OmnibusError.isInstance(new Error('plain'))).toBe(false);
  });

  it('say what to do', () => {
    expect(new TransportNotInstalledError('@omnibus/aws', 'aws').message).toContain(
      'npm install @omnibus/aws',
    );
    expect(new MessageTooLargeError(300_000, 262_144, { transport: 'aws' }).message).toMatch(
      /300000 bytes.*262144.*aws/,
    );
    const pattern = new InvalidPatternError('data.amount[0]', 'numeric needs an operator');
    expect(pattern.message).toBe("Invalid event pattern at 'data.amount[0]': numeric needs an operator");
    expect(new ConnectionError('down').retryable).toBe(true);
    expect(new PermanentError('x', { cause: 'root' }).cause).toBe('root');
  });
});
