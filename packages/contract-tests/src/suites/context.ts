import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

/** What a handler's `ctx` stamps on what it sends: one correlation per flow, causation per hop. */
export function contextSuite(scenario: DefineScenario): void {
  describe('context', () => {
    scenario(
      'context.send-stamps',
      'ctx.send stamps the correlation and causation of the handled message',
      async (scope) => {
        const { bus, source } = await scope.open();
        const trigger = scope.name('ctx-send');
        const target = scope.name('ctx-send-target');
        await bus
          .consumer(trigger, (_message, context) =>
            context.send(target, { type: 'ReserveStock', data: { sku: 'a' } }),
          )
          .start();
        const received = collect();
        await bus.consumer(target, received.handler).start();

        const cause = { id: scope.id(), type: 'SubmitOrder', data: null, correlationId: 'ct-flow-1' };
        await bus.producer(trigger).send(cause);

        await scope.waitForCount(received, 1, target);
        expect(received.messages[0]).toMatchObject({
          type: 'ReserveStock',
          source,
          correlationId: 'ct-flow-1',
          causationId: cause.id,
        });
      },
    );

    scenario(
      'context.publish-stamps',
      'ctx.publish stamps the correlation and causation of the handled message',
      async (scope) => {
        const { bus } = await scope.open();
        const trigger = scope.name('ctx-publish');
        const topic = bus.topic(scope.name('ctx-topic'));
        await bus
          .consumer(trigger, (_message, context) =>
            context.publish(topic.name, { type: 'OrderConfirmed', data: null }),
          )
          .start();
        const received = collect();
        await topic.subscribe(scope.name('sub'), received.handler).start();

        const cause = { id: scope.id(), type: 'ConfirmOrder', data: null, correlationId: 'ct-flow-2' };
        await bus.producer(trigger).send(cause);

        await scope.waitForCount(received, 1, topic.name);
        expect(received.messages[0]).toMatchObject({ correlationId: 'ct-flow-2', causationId: cause.id });
      },
    );

    scenario(
      'context.emit-stamps',
      'ctx.emit stamps the correlation and causation, and rules route the event',
      async (scope) => {
        const open = await scope.open();
        const trigger = scope.name('ctx-emit');
        const target = scope.name('ctx-emit-target');
        const received = collect();
        await open.bus.consumer(target, received.handler).start();
        await open.rule(scope.name('rule'), {
          pattern: { source: [open.source], type: ['StockReserved'] },
          target: { queue: target },
        });
        await open.bus
          .consumer(trigger, (_message, context) =>
            context.emit({ type: 'StockReserved', data: { sku: 'a' } }),
          )
          .start();

        const cause = { id: scope.id(), type: 'ReserveStock', data: null, correlationId: 'ct-flow-3' };
        await open.bus.producer(trigger).send(cause);

        await scope.waitForCount(received, 1, target);
        expect(received.messages[0]).toMatchObject({
          type: 'StockReserved',
          source: open.source,
          correlationId: 'ct-flow-3',
          causationId: cause.id,
        });
      },
    );

    scenario(
      'context.correlation-starts',
      'a message without a correlation id starts a flow correlated by its own id',
      async (scope) => {
        const { bus } = await scope.open();
        const trigger = scope.name('ctx-start');
        const target = scope.name('ctx-start-target');
        await bus
          .consumer(trigger, (_message, context) => context.send(target, { type: 'Next', data: null }))
          .start();
        const received = collect();
        await bus.consumer(target, received.handler).start();

        const cause = { id: scope.id(), type: 'First', data: null };
        await bus.producer(trigger).send(cause);

        await scope.waitForCount(received, 1, target);
        expect(received.messages[0]).toMatchObject({ correlationId: cause.id, causationId: cause.id });
      },
    );

    scenario(
      'context.correlation-chain',
      'one correlation id follows a flow across emit, rule, send and publish',
      async (scope) => {
        const open = await scope.open();
        const { bus } = open;
        const routed = scope.name('chain-routed');
        const commands = scope.name('chain-commands');
        const topic = bus.topic(scope.name('chain-topic'));
        await open.rule(scope.name('rule'), {
          pattern: { source: [open.source], type: ['PaymentFailed'] },
          target: { queue: routed },
        });
        const hops = collect();
        await bus
          .consumer(routed, async (message, context) => {
            await hops.handler(message, context);
            await context.send(commands, { type: 'ReleaseStock', data: null });
          })
          .start();
        await bus
          .consumer(commands, async (message, context) => {
            await hops.handler(message, context);
            await context.publish(topic.name, { type: 'CustomerNotified', data: null });
          })
          .start();
        await topic.subscribe(scope.name('notify'), hops.handler).start();

        const origin = {
          id: scope.id(),
          type: 'PaymentFailed',
          data: { amount: 10 },
          correlationId: 'ct-flow-chain',
        };
        await bus.emit(origin);

        await scope.waitForCount(hops, 3, 'the three hops');
        const [routedEvent, command, notification] = hops.messages;
        expect(routedEvent).toMatchObject({ id: origin.id, correlationId: 'ct-flow-chain' });
        expect(command).toMatchObject({
          type: 'ReleaseStock',
          correlationId: 'ct-flow-chain',
          causationId: origin.id,
        });
        expect(notification).toMatchObject({
          type: 'CustomerNotified',
          correlationId: 'ct-flow-chain',
          causationId: command!.id,
        });
      },
    );

    scenario(
      'context.origin',
      'ctx.origin names the queue, or topic/subscription, and ctx.signal is live',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('origin');
        const topicName = scope.name('origin-topic');
        const subscription = scope.name('origin-sub');
        const received = collect();
        await bus.consumer(queue, received.handler).start();
        await bus.topic(topicName).subscribe(subscription, received.handler).start();

        await bus.producer(queue).send({ type: 'ToQueue', data: null });
        await bus.topic(topicName).publish({ type: 'ToTopic', data: null });

        await scope.waitForCount(received, 2, 'both sources');
        const origins = Object.fromEntries(
          received.arrivals.map((arrival) => [arrival.message.type, arrival.origin]),
        );
        expect(origins).toEqual({ ToQueue: queue, ToTopic: `${topicName}/${subscription}` });
        for (const arrival of received.arrivals) expect(arrival.abortedOnEntry).toBe(false);
      },
    );
  });
}
