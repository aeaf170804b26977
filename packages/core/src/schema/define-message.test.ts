import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HandlerContext } from '../consumer/handler.js';
import { DecodeError, InvalidMessageError } from '../errors/index.js';
import { createConsoleLogger } from '../logger/logger.js';
import { defineMessage, hasTypedInputs, validateTypedInputs } from './define-message.js';

const PaymentFailed = defineMessage(
  'PaymentFailed',
  z.object({ orderId: z.string(), amount: z.number().nonnegative() }),
);
const context = { logger: createConsoleLogger('silent') } as HandlerContext;

describe('defineMessage', () => {
  it('creates typed inputs that are validated on send', async () => {
    const good = PaymentFailed.create({ orderId: 'o1', amount: 5 }, { subject: 'o1' });
    expect(good).toMatchObject({ type: 'PaymentFailed', data: { orderId: 'o1', amount: 5 }, subject: 'o1' });
    await expect(validateTypedInputs([good])).resolves.toHaveLength(1);
    const bad = PaymentFailed.create({ orderId: 'o1', amount: -1 });
    await expect(validateTypedInputs([bad])).rejects.toThrow(InvalidMessageError);
    await expect(validateTypedInputs([bad])).rejects.toThrow(/amount/);
  });

  it('validates on receive and fails schema-invalid data with DecodeError', async () => {
    const seen: number[] = [];
    const handler = PaymentFailed.handler((message) => seen.push(message.data.amount));
    const base = { id: 'i', type: 'PaymentFailed', source: 's', time: 't', headers: {}, attempt: 1 };
    await handler({ ...base, data: { orderId: 'o', amount: 3 } }, context);
    await expect(handler({ ...base, data: { orderId: 7 } }, context)).rejects.toBeInstanceOf(DecodeError);
    expect(seen).toEqual([3]);
  });

  it('tells a batch holding a typed input from a plain one, wherever the typed input is', () => {
    const typed = PaymentFailed.create({ orderId: 'o1', amount: 5 });
    const plain = { type: 'PaymentFailed', data: { orderId: 'o1', amount: -1 } };
    expect(hasTypedInputs([plain, plain])).toBe(false);
    expect(hasTypedInputs([plain, typed])).toBe(true);
    expect(hasTypedInputs([typed])).toBe(true);
    expect(hasTypedInputs([])).toBe(false);
  });

  it('rejects a missing schema', () => {
    expect(() => defineMessage('X', {} as never)).toThrow(/Standard Schema/);
  });
});
