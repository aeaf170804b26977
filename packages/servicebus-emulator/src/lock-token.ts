import { randomUUID } from 'node:crypto';

/**
 * Converts between a lock token (a uuid string) and the 16-byte delivery tag Service Bus sends.
 * The tag is the token in .NET `Guid` byte order: the first three groups little-endian. The SDK
 * reverses that to show the token, and later sends the token back as a plain uuid (renew-lock,
 * update-disposition), so both forms must name the same lock.
 */
export function toLockTokenTag(lockToken: string): Buffer {
  const bytes = Buffer.from(lockToken.replaceAll('-', ''), 'hex');
  return Buffer.from([
    bytes[3]!,
    bytes[2]!,
    bytes[1]!,
    bytes[0]!,
    bytes[5]!,
    bytes[4]!,
    bytes[7]!,
    bytes[6]!,
    ...bytes.subarray(8),
  ]);
}

/** Formats 16 uuid bytes (network order, as in an AMQP `uuid`) as a lock token. */
export function lockTokenFromUuidBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh lock token. */
export const newLockToken = (): string => randomUUID();
