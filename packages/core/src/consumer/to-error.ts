/**
 * Turns whatever a handler threw into an `Error`, so a `throw 'oops'` or `throw { code: 1 }` is
 * recorded and dead-lettered like any other failure instead of crashing the consumer.
 */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  const error = new Error(`A handler threw a non-Error value: ${text}`, { cause: thrown });
  error.name = 'NonErrorThrown';
  return error;
}
