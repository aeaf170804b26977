import { type CompiledPattern, compilePattern, InvalidPatternError } from '@omnibus/core';
import { EventBridgeError } from './eventbridge-error.js';

/**
 * Turns the `EventPattern` string of PutRule or TestEventPattern into a matcher, or throws
 * `InvalidEventPatternException` as AWS does. The semantics are core's pattern engine, the one
 * every Omnibus transport uses, so the emulator cannot drift from it.
 */
export function parseEventPattern(text: string): CompiledPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (error) {
    throw new EventBridgeError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${(error as Error).message}`,
    );
  }
  try {
    // compilePattern validates first, so one call gives both the check and the matcher.
    return compilePattern(pattern as Parameters<typeof compilePattern>[0]);
  } catch (error) {
    if (InvalidPatternError.isInstance(error)) {
      const where = error.path === '' ? '' : ` at '${error.path}'`;
      throw new EventBridgeError(
        'InvalidEventPatternException',
        `Event pattern is not valid. Reason: ${error.reason}${where}`,
      );
    }
    throw error;
  }
}
