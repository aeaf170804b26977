import { Attribute, type EncodedMessage } from '@omnibus/core/transport';

/** A Standard Schema for `{ amount: number }`, written by hand so the suite needs no schema library. */
export const amountSchema = {
  '~standard': {
    version: 1 as const,
    vendor: 'omnibus-contract-tests',
    validate(value: unknown) {
      const amount = (value as { amount?: unknown } | null)?.amount;
      if (typeof amount === 'number' && Number.isFinite(amount)) return { value: { amount } };
      return { issues: [{ message: 'amount must be a number', path: ['amount'] }] };
    },
    types: undefined as unknown as { input: { amount: number }; output: { amount: number } },
  },
};

/** An encoded message as core would write it, with `body` as the raw bytes. */
export function rawMessage(id: string, type: string, body: string): EncodedMessage {
  return {
    id,
    attributes: {
      [Attribute.specVersion]: '1.0',
      [Attribute.id]: id,
      [Attribute.type]: type,
      [Attribute.source]: 'ct-raw-producer',
      [Attribute.time]: new Date().toISOString(),
      [Attribute.contentType]: 'application/json',
    },
    body: new TextEncoder().encode(body),
  };
}
