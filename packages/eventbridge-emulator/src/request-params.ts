import { EventBridgeError } from './eventbridge-error.js';

/**
 * Typed access to one request's JSON body. Every getter checks the member's type and constraints
 * and throws the `ValidationException` AWS would, with AWS's "1 validation error detected" wording,
 * so operation code reads as a list of the fields it uses.
 */
export interface RequestParams {
  /** A string member that must be present. */
  requiredString(name: string, constraints?: StringConstraints): string;
  /** A string member that may be absent (`undefined`); present but empty counts as absent only if allowed. */
  optionalString(name: string, constraints?: StringConstraints): string | undefined;
  /** A number member that may be absent. */
  optionalNumber(name: string): number | undefined;
  /** A boolean member that may be absent. */
  optionalBoolean(name: string): boolean | undefined;
  /** A list member that must be present, with its element count checked. */
  requiredList(name: string, constraints: { min: number; max: number }): unknown[];
  /** A list member that may be absent. */
  optionalList(name: string): unknown[] | undefined;
  /** The raw member, unchecked. */
  raw(name: string): unknown;
}

/** Length and pattern limits of a string member, as in the service model. */
export interface StringConstraints {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

/** Wraps a parsed request body. A body that is not a JSON object is a `SerializationException`. */
export function readRequestParams(body: unknown): RequestParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EventBridgeError(
      'SerializationException',
      'Start of structure or map found where not expected.',
    );
  }
  const record = body as Record<string, unknown>;
  // AWS names members in validation messages with a lower-case first letter ('name', 'eventBusName').
  const wireName = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

  const checkString = (name: string, value: unknown, constraints: StringConstraints = {}): string => {
    if (typeof value !== 'string') {
      throw new EventBridgeError('SerializationException', `Member ${name} must be a string.`);
    }
    const { min = 0, max = Number.POSITIVE_INFINITY, pattern } = constraints;
    const problem =
      value.length < min
        ? `Member must have length greater than or equal to ${min}`
        : value.length > max
          ? `Member must have length less than or equal to ${max}`
          : pattern && !new RegExp(`^(?:${pattern.source})$`, pattern.flags).test(value)
            ? `Member must satisfy regular expression pattern: ${pattern.source}`
            : undefined;
    if (problem) {
      throw new EventBridgeError(
        'ValidationException',
        `1 validation error detected: Value '${value}' at '${wireName(name)}' failed to satisfy constraint: ${problem}`,
      );
    }
    return value;
  };

  return {
    requiredString(name, constraints) {
      const value = record[name];
      if (value === undefined || value === null) {
        throw new EventBridgeError(
          'ValidationException',
          `1 validation error detected: Value null at '${wireName(name)}' failed to satisfy constraint: Member must not be null`,
        );
      }
      return checkString(name, value, constraints);
    },
    optionalString(name, constraints) {
      const value = record[name];
      return value === undefined || value === null ? undefined : checkString(name, value, constraints);
    },
    optionalNumber(name) {
      const value = record[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number') {
        throw new EventBridgeError('SerializationException', `Member ${name} must be a number.`);
      }
      return value;
    },
    optionalBoolean(name) {
      const value = record[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'boolean') {
        throw new EventBridgeError('SerializationException', `Member ${name} must be a boolean.`);
      }
      return value;
    },
    requiredList(name, { min, max }) {
      const value = record[name];
      if (value === undefined || value === null) {
        throw new EventBridgeError(
          'ValidationException',
          `1 validation error detected: Value null at '${wireName(name)}' failed to satisfy constraint: Member must not be null`,
        );
      }
      if (!Array.isArray(value)) {
        throw new EventBridgeError('SerializationException', `Member ${name} must be a list.`);
      }
      if (value.length < min || value.length > max) {
        const bound =
          value.length < min
            ? `Member must have length greater than or equal to ${min}`
            : `Member must have length less than or equal to ${max}`;
        throw new EventBridgeError(
          'ValidationException',
          `1 validation error detected: Value '[...]' at '${wireName(name)}' failed to satisfy constraint: ${bound}`,
        );
      }
      return value;
    },
    optionalList(name) {
      const value = record[name];
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value)) {
        throw new EventBridgeError('SerializationException', `Member ${name} must be a list.`);
      }
      return value;
    },
    raw: (name) => record[name],
  };
}
