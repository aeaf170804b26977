import { type EventPattern, type EventRule, InvalidPatternError, type MessageInput } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { type Collector, collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { OpenBus, Scope } from '../scope.js';

/**
 * Content-based routing with EventBridge semantics. Rules may be global on a broker, so every
 * pattern here also matches the scenario's own unique `source`: parallel runs never see each
 * other's events.
 */
export function ruleSuite(scenario: DefineScenario): void {
  describe('rules', () => {
    scenario(
      'rules.type-and-source',
      'a rule on source and type routes matching events and only those',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'exact', { type: ['OrderPlaced'] });
        const events = tagged(scope, open, [
          ['OrderPlaced', { orderId: 'o-1' }, true],
          ['OrderCancelled', { orderId: 'o-2' }, false],
          ['OrderPlaced', { orderId: 'o-3' }, true],
        ]);
        const other = { id: scope.id(), type: 'OrderPlaced', source: `${open.source}-other`, data: null };
        await open.bus.emit(events.inputs);
        await open.bus.emit(other);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario('rules.or-values', 'several values in one field match any of them', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'or', { type: ['PaymentAuthorized', 'PaymentCaptured'] });
      const events = tagged(scope, open, [
        ['PaymentAuthorized', null, true],
        ['PaymentCaptured', null, true],
        ['PaymentRefunded', null, false],
      ]);
      await open.bus.emit(events.inputs);
      await expectExactly(scope, route.received, events.expected);
    });

    scenario(
      'rules.numeric',
      'a numeric pattern matches numbers in range, not strings or missing fields',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'numeric', {
          type: ['PaymentFailed'],
          data: { amount: [{ numeric: ['>=', 1000] }] },
        });
        const events = tagged(scope, open, [
          ['PaymentFailed', { amount: 999.99 }, false],
          ['PaymentFailed', { amount: 1000 }, true],
          ['PaymentFailed', { amount: 1250.5 }, true],
          ['PaymentFailed', { amount: '1500' }, false],
          ['PaymentFailed', { currency: 'EUR' }, false],
          ['PaymentFailed', { amount: 2e6 }, true],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario('rules.numeric-range', 'a numeric range respects open and closed bounds', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'range', {
        data: { quantity: [{ numeric: ['>', 0, '<=', 5] }] },
      });
      const events = tagged(scope, open, [
        ['Ordered', { quantity: 0 }, false],
        ['Ordered', { quantity: 1 }, true],
        ['Ordered', { quantity: 5 }, true],
        ['Ordered', { quantity: 5.01 }, false],
        ['Ordered', { quantity: -3 }, false],
      ]);
      await open.bus.emit(events.inputs);
      await expectExactly(scope, route.received, events.expected);
    });

    scenario(
      'rules.prefix',
      'a prefix pattern matches strings that start with it, case-sensitively',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'prefix', { data: { sku: [{ prefix: 'sku-eu-' }] } });
        const events = tagged(scope, open, [
          ['StockLow', { sku: 'sku-eu-1' }, true],
          ['StockLow', { sku: 'sku-us-1' }, false],
          ['StockLow', { sku: 'SKU-EU-2' }, false],
          ['StockLow', { sku: 'sku-eu-' }, true],
          ['StockLow', { sku: 42 }, false],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario(
      'rules.anything-but',
      'anything-but matches other values, not listed ones and not missing fields',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'anything-but', {
          data: { status: [{ 'anything-but': ['cancelled', 'refunded'] }] },
        });
        const events = tagged(scope, open, [
          ['OrderUpdated', { status: 'paid' }, true],
          ['OrderUpdated', { status: 'cancelled' }, false],
          ['OrderUpdated', { status: 'refunded' }, false],
          ['OrderUpdated', { other: 'field' }, false],
          ['OrderUpdated', { status: 'shipped' }, true],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario(
      'rules.exists-false',
      'exists: false matches events where the field is absent',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'exists', {
          type: ['Checkout'],
          data: { coupon: [{ exists: false }] },
        });
        const events = tagged(scope, open, [
          ['Checkout', { total: 10 }, true],
          ['Checkout', { total: 10, coupon: 'SPRING' }, false],
          ['Checkout', {}, true],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario('rules.exists-true', 'exists: true matches events where the field is present', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'exists-true', { data: { coupon: [{ exists: true }] } });
      const events = tagged(scope, open, [
        ['Checkout', { coupon: 'SPRING' }, true],
        ['Checkout', { total: 10 }, false],
      ]);
      await open.bus.emit(events.inputs);
      await expectExactly(scope, route.received, events.expected);
    });

    scenario(
      'rules.headers-and-subject',
      'patterns match on headers and subject as well as data',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'headers', {
          subject: [{ prefix: 'order-' }],
          headers: { tenant: ['acme'] },
        });
        const events = tagged(scope, open, [
          ['Shipped', null, true, { subject: 'order-1', headers: { tenant: 'acme' } }],
          ['Shipped', null, false, { subject: 'order-2', headers: { tenant: 'globex' } }],
          ['Shipped', null, false, { subject: 'invoice-3', headers: { tenant: 'acme' } }],
          ['Shipped', null, false, { headers: { tenant: 'acme' } }],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario(
      'rules.arrays',
      'a pattern value matches an event array when any element matches',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'arrays', { data: { tags: ['urgent'] } });
        const events = tagged(scope, open, [
          ['Ticket', { tags: ['normal', 'urgent'] }, true],
          ['Ticket', { tags: ['normal'] }, false],
          ['Ticket', { tags: 'urgent' }, true],
          ['Ticket', { tags: [] }, false],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario(
      'rules.nested-data',
      'every field of a nested pattern must match (AND across fields)',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'nested', {
          type: ['Shipment'],
          data: { address: { country: ['DE', 'AT'], zip: [{ prefix: '1' }] }, express: [true] },
        });
        const events = tagged(scope, open, [
          ['Shipment', { address: { country: 'DE', zip: '10115' }, express: true }, true],
          ['Shipment', { address: { country: 'DE', zip: '80331' }, express: true }, false],
          ['Shipment', { address: { country: 'FR', zip: '10115' }, express: true }, false],
          ['Shipment', { address: { country: 'AT', zip: '1010' }, express: false }, false],
          ['Shipment', { address: { country: 'AT', zip: '1010' }, express: true }, true],
        ]);
        await open.bus.emit(events.inputs);
        await expectExactly(scope, route.received, events.expected);
      },
    );

    scenario(
      'rules.two-rules-two-targets',
      'an event matching two rules reaches both targets, once each',
      async (scope) => {
        const open = await scope.open();
        const byType = await routeToQueue(scope, open, 'by-type', { type: ['PaymentFailed'] });
        const byAmount = await routeToQueue(scope, open, 'by-amount', {
          data: { amount: [{ numeric: ['>=', 100] }] },
        });
        const both = { id: scope.id(), type: 'PaymentFailed', source: open.source, data: { amount: 150 } };
        const typeOnly = { id: scope.id(), type: 'PaymentFailed', source: open.source, data: { amount: 50 } };
        await open.bus.emit([both, typeOnly]);
        await expectExactly(scope, byType.received, [both.id, typeOnly.id]);
        await expectExactly(scope, byAmount.received, [both.id]);
      },
    );

    scenario(
      'rules.two-rules-one-target',
      'an event matching two rules with the same target arrives there twice',
      async (scope) => {
        const open = await scope.open();
        const queue = scope.name('shared-target');
        const received = collect();
        await open.bus.consumer(queue, received.handler).start();
        await open.rule(scope.name('rule-a'), {
          pattern: { source: [open.source], type: ['Audit'] },
          target: { queue },
        });
        await open.rule(scope.name('rule-b'), {
          pattern: { source: [open.source], data: { level: ['high'] } },
          target: { queue },
        });

        const event = { id: scope.id(), type: 'Audit', source: open.source, data: { level: 'high' } };
        await open.bus.emit(event);

        await scope.waitForCount(received, 2, queue);
        await scope.settle();
        expect(received.timesSeen(event.id)).toBe(2);
      },
    );

    scenario(
      'rules.topic-target',
      'a rule can target a topic, reaching each of its subscriptions',
      async (scope) => {
        const open = await scope.open();
        const topic = open.bus.topic(scope.name('rule-topic'));
        const first = collect();
        const second = collect();
        await topic.subscribe(scope.name('first'), first.handler).start();
        await topic.subscribe(scope.name('second'), second.handler).start();
        await open.rule(scope.name('to-topic'), {
          pattern: { source: [open.source], type: ['Announce'] },
          target: { topic: topic.name },
        });

        const event = { id: scope.id(), type: 'Announce', source: open.source, data: null };
        await open.bus.emit([event, { type: 'Ignore', source: open.source, data: null }]);

        await expectExactly(scope, first, [event.id]);
        await expectExactly(scope, second, [event.id]);
      },
    );

    scenario('rules.emit-batch', 'a batch emit routes each event on its own', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'batch', { type: ['Item'], data: { keep: [true] } });
      const events = tagged(
        scope,
        open,
        Array.from({ length: 12 }, (_, n) => ['Item', { n, keep: n % 3 === 0 }, n % 3 === 0] as const),
      );
      await open.bus.emit(events.inputs);
      await expectExactly(scope, route.received, events.expected);
    });

    scenario(
      'rules.envelope',
      'a routed event keeps its id, type, source, subject, time, data, headers and correlation',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'envelope', { type: ['PaymentFailed'] });
        const event = {
          id: scope.id(),
          type: 'PaymentFailed',
          source: open.source,
          subject: 'payment-3',
          time: '2025-07-08T09:10:11.120Z',
          data: { orderId: 'o-3', amount: 1250, lines: [{ sku: 'a' }] },
          headers: { 'x-tenant': 'acme' },
          correlationId: 'ct-correlation-rule',
          causationId: 'ct-causation-rule',
        };
        await open.bus.emit(event);

        await scope.waitForCount(route.received, 1, route.queue);
        expect(route.received.messages[0]).toEqual({ ...event, attempt: 1 });
      },
    );

    scenario(
      'rules.no-match',
      'emitting events no rule matches resolves and delivers nothing',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'no-match', { type: ['Expected'] });
        await expect(
          open.bus.emit({ type: 'Unexpected', source: open.source, data: null }),
        ).resolves.toBeUndefined();
        const lonely = await scope.open();
        await expect(lonely.bus.emit({ type: 'NobodyListens', data: null })).resolves.toBeUndefined();
        await scope.settle();
        expect(route.received.count()).toBe(0);
      },
    );

    scenario(
      'rules.update',
      'putting a rule again under the same name replaces its pattern',
      async (scope) => {
        const open = await scope.open();
        const queue = scope.name('update');
        const received = collect();
        await open.bus.consumer(queue, received.handler).start();
        const name = scope.name('rule');
        await open.rule(name, { pattern: { source: [open.source], type: ['Before'] }, target: { queue } });

        const first = { id: scope.id(), type: 'Before', source: open.source, data: null };
        await open.bus.emit(first);
        await scope.waitForCount(received, 1, queue);

        const updated = await open.rule(name, {
          pattern: { source: [open.source], type: ['After'] },
          target: { queue },
        });
        expect(updated.pattern).toEqual({ source: [open.source], type: ['After'] });
        const stale = { id: scope.id(), type: 'Before', source: open.source, data: null };
        const fresh = { id: scope.id(), type: 'After', source: open.source, data: null };
        await open.bus.emit([stale, fresh]);
        await expectExactly(scope, received, [first.id, fresh.id]);
      },
    );

    scenario(
      'rules.update-target',
      'putting a rule again with a new target moves where events go',
      async (scope) => {
        const open = await scope.open();
        const oldQueue = scope.name('old-target');
        const newQueue = scope.name('new-target');
        const onOld = collect();
        const onNew = collect();
        await open.bus.consumer(oldQueue, onOld.handler).start();
        await open.bus.consumer(newQueue, onNew.handler).start();
        const name = scope.name('rule');
        const pattern = { source: [open.source], type: ['Moved'] };
        await open.rule(name, { pattern, target: { queue: oldQueue } });
        await open.rule(name, { pattern, target: { queue: newQueue } });

        const event = { id: scope.id(), type: 'Moved', source: open.source, data: null };
        await open.bus.emit(event);
        await expectExactly(scope, onNew, [event.id]);
        expect(onOld.count()).toBe(0);
      },
    );

    scenario('rules.delete', 'after bus.rules.delete the rule routes nothing', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'delete', { type: ['Routed'] });
      const before = { id: scope.id(), type: 'Routed', source: open.source, data: null };
      await open.bus.emit(before);
      await scope.waitForCount(route.received, 1, route.queue);

      await open.bus.rules.delete(route.rule.name);
      await open.bus.emit({ id: scope.id(), type: 'Routed', source: open.source, data: null });
      await scope.settle();
      await scope.settle();
      expect(route.received.messages.map((message) => message.id)).toEqual([before.id]);
    });

    scenario('rules.rule-delete', 'EventRule.delete() removes the rule', async (scope) => {
      const open = await scope.open();
      const route = await routeToQueue(scope, open, 'rule-delete', { type: ['Routed'] });
      await route.rule.delete();
      await open.bus.emit({ type: 'Routed', source: open.source, data: null });
      await scope.settle();
      await scope.settle();
      expect(route.received.count()).toBe(0);
    });

    scenario('rules.delete-missing', 'deleting a rule that does not exist resolves', async (scope) => {
      const { bus } = await scope.open();
      await expect(bus.rules.delete(scope.name('never-created'))).resolves.toBeUndefined();
    });

    scenario(
      'rules.idempotent',
      'putting the same rule twice is a no-op: events arrive once',
      async (scope) => {
        const open = await scope.open();
        const route = await routeToQueue(scope, open, 'idempotent', { type: ['Once'] });
        const again = await open.rule(route.rule.name, {
          pattern: route.rule.pattern,
          target: route.rule.target,
        });
        expect(again).toMatchObject({
          name: route.rule.name,
          pattern: route.rule.pattern,
          target: route.rule.target,
        });

        const event = { id: scope.id(), type: 'Once', source: open.source, data: null };
        await open.bus.emit(event);
        await expectExactly(scope, route.received, [event.id]);
      },
    );

    scenario(
      'rules.idempotent-across-buses',
      'the same rule put by two buses routes each event once',
      async (scope) => {
        const first = await scope.open();
        const second = await scope.open();
        const queue = scope.name('two-buses');
        const received = collect();
        await first.bus.consumer(queue, received.handler).start();
        const name = scope.name('rule');
        const definition = { pattern: { source: [first.source], type: ['Shared'] }, target: { queue } };
        await first.rule(name, definition);
        await second.rule(name, definition);

        const event = { id: scope.id(), type: 'Shared', source: first.source, data: null };
        await second.bus.emit(event);
        await expectExactly(scope, received, [event.id]);
      },
    );

    scenario(
      'rules.invalid-pattern',
      'an invalid pattern fails at bus.rule with InvalidPatternError naming the path',
      async (scope) => {
        const { bus, calls } = await scope.open();
        const target = { queue: scope.name('invalid') };
        const numeric = bus.rule(scope.name('bad-numeric'), {
          pattern: { data: { amount: [{ numeric: ['>', 0, '>', 5] }] } } as EventPattern,
          target,
        });
        await expect(numeric).rejects.toSatisfy(InvalidPatternError.isInstance);
        await expect(numeric).rejects.toMatchObject({ path: expect.stringContaining('amount') });

        const notArray = bus.rule(scope.name('bad-leaf'), {
          pattern: { type: 'OrderPlaced' } as unknown as EventPattern,
          target,
        });
        await expect(notArray).rejects.toSatisfy(InvalidPatternError.isInstance);
        await expect(notArray).rejects.toMatchObject({ path: expect.stringContaining('type') });

        const empty = bus.rule(scope.name('bad-empty'), {
          pattern: { type: [] } as unknown as EventPattern,
          target,
        });
        await expect(empty).rejects.toSatisfy(InvalidPatternError.isInstance);
        expect(calls.putRule).toBe(0);
      },
    );

    scenario(
      'rules.returns-rule',
      'bus.rule resolves to the rule with its name, pattern and target',
      async (scope) => {
        const open = await scope.open();
        const name = scope.name('described');
        const pattern = { source: [open.source], type: ['Described'] };
        const target = { topic: scope.name('described-topic') };
        const rule = await open.rule(name, { pattern, target });
        expect(rule).toMatchObject({ name, pattern, target });
        expect(typeof rule.delete).toBe('function');
      },
    );
  });
}

/** A queue with a collecting consumer, and a rule (scoped to the bus's source) routing to it. */
async function routeToQueue(
  scope: Scope,
  open: OpenBus,
  label: string,
  pattern: Record<string, unknown>,
): Promise<{ queue: string; received: Collector; rule: EventRule }> {
  const queue = scope.name(label);
  const received = collect();
  await open.bus.consumer(queue, received.handler).start();
  const rule = await open.rule(scope.name(`rule-${label}`), {
    pattern: { source: [open.source], ...pattern } as EventPattern,
    target: { queue },
  });
  return { queue, received, rule };
}

type Tagged = readonly [type: string, data: unknown, shouldMatch: boolean, extra?: Partial<MessageInput>];

/** Builds events from the scenario's source with fresh ids, and the ids expected to match. */
function tagged(
  scope: Scope,
  open: OpenBus,
  rows: readonly Tagged[],
): { inputs: MessageInput[]; expected: string[] } {
  const inputs: MessageInput[] = [];
  const expected: string[] = [];
  for (const [type, data, shouldMatch, extra] of rows) {
    const id = scope.id();
    inputs.push({ ...extra, id, type, source: open.source, data });
    if (shouldMatch) expected.push(id);
  }
  return { inputs, expected };
}

/** Waits for every expected id, then a quiet period, then checks nothing else (and no duplicate) arrived. */
async function expectExactly(scope: Scope, received: Collector, ids: readonly string[]): Promise<void> {
  await scope.waitFor(
    () => ids.every((id) => received.timesSeen(id) > 0),
    `events ${ids.join(', ')}`,
    () => received.describe(),
  );
  await scope.settle();
  expect([...received.messages.map((message) => message.id)].sort()).toEqual([...ids].sort());
}
