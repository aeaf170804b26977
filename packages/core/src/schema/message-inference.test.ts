import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Bus } from '../bus/bus-types.js';
import { defineConsumer } from '../consumer/define-consumer.js';
import { defineMessage } from './define-message.js';

// Type tests: checked by `tsc` (the package's typecheck), so a regression in what handlers infer
// fails CI even though nothing here runs against a broker.
const PaymentFailed = defineMessage('PaymentFailed', z.object({ orderId: z.string(), amount: z.number() }));
interface ReserveStock {
  orderId: string;
  items: string[];
}

function handlersAsUsersWriteThem(bus: Bus) {
  bus.consumer(
    'finance.alerts',
    PaymentFailed.handler(async (message) => {
      expectTypeOf(message.data).toEqualTypeOf<{ orderId: string; amount: number }>();
      expectTypeOf(message.type).toEqualTypeOf<string>();
    }),
  );
  bus.consumer('stock.reserve', async (message) => {
    expectTypeOf(message.data).toBeUnknown();
    // @ts-expect-error an untyped consumer must say what it expects before reading fields
    message.data.orderId;
  });
  bus.consumer<ReserveStock>('stock.reserve', async (message) => {
    expectTypeOf(message.data).toEqualTypeOf<ReserveStock>();
  });
  const definition = defineConsumer<ReserveStock>('stock.reserve', async (message) => {
    expectTypeOf(message.data.items).toEqualTypeOf<string[]>();
  });
  bus.consumer(definition);
}

describe('message inference', () => {
  it('is checked by the type checker (the cases above compile)', () => {
    expectTypeOf(handlersAsUsersWriteThem).parameter(0).toEqualTypeOf<Bus>();
  });
});
