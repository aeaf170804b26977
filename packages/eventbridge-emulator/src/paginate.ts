import { EventBridgeError } from './eventbridge-error.js';

/**
 * Offset pagination for the List* operations. The token is opaque to clients, as on AWS; a token
 * from one listing used on another is not detected (AWS would reject it).
 */
export function paginate<T>(
  items: readonly T[],
  nextToken: string | undefined,
  limit: number | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    start = Number.parseInt(Buffer.from(nextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0) {
      throw new EventBridgeError('ValidationException', 'The NextToken provided is not valid.');
    }
  }
  if (limit !== undefined && (limit < 1 || limit > 100)) {
    throw new EventBridgeError(
      'ValidationException',
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const end = start + (limit ?? 100);
  const page = items.slice(start, end);
  return end < items.length ? { page, nextToken: Buffer.from(String(end)).toString('base64url') } : { page };
}
