import { ConfigurationError, createBus } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

/**
 * `provision: 'never'`: nothing is created, and what is missing fails with a `ConfigurationError`
 * naming it. Runs only when the transport package passes `createNonProvisioningTransport`.
 */
export function provisioningSuite(scenario: DefineScenario): void {
  describe('provisioning', () => {
    scenario(
      'provisioning.missing-queue-send',
      "with provision: 'never', sending to a missing queue names it",
      async (scope) => {
        const { bus } = await scope.open({ provision: 'never' });
        const queue = scope.name('missing');
        const attempt = bus.producer(queue).send({ type: 'Nowhere', data: null });
        await expect(attempt).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(attempt).rejects.toThrow(queue);
      },
    );

    scenario(
      'provisioning.missing-queue-consume',
      "with provision: 'never', consuming a missing queue names it",
      async (scope) => {
        const { bus } = await scope.open({ provision: 'never' });
        const queue = scope.name('missing');
        const attempt = bus.consumer(queue, () => {}).start();
        await expect(attempt).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(attempt).rejects.toThrow(queue);
      },
    );

    scenario(
      'provisioning.missing-topic',
      "with provision: 'never', publishing to a missing topic names it",
      async (scope) => {
        const { bus } = await scope.open({ provision: 'never' });
        const topic = scope.name('missing-topic');
        const attempt = bus.topic(topic).publish({ type: 'Nowhere', data: null });
        await expect(attempt).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(attempt).rejects.toThrow(topic);
      },
    );

    scenario(
      'provisioning.missing-subscription',
      "with provision: 'never', a missing subscription of an existing topic is named",
      async (scope) => {
        const auto = await scope.open();
        const never = await scope.open({ provision: 'never' });
        const topic = scope.name('topic');
        const existing = auto.bus.topic(topic).subscribe(scope.name('existing'), () => {});
        await existing.start();
        await existing.stop();

        const subscription = scope.name('missing-sub');
        const attempt = never.bus
          .topic(topic)
          .subscribe(subscription, () => {})
          .start();
        await expect(attempt).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(attempt).rejects.toThrow(subscription);
      },
    );

    scenario(
      'provisioning.existing-queue',
      "with provision: 'never', an existing queue is used normally",
      async (scope) => {
        const auto = await scope.open();
        const never = await scope.open({ provision: 'never' });
        const queue = scope.name('existing');
        const creator = auto.bus.consumer(queue, () => {});
        await creator.start();
        await creator.stop();

        const received = collect();
        await never.bus.consumer(queue, received.handler).start();
        const id = scope.id();
        await never.bus.producer(queue).send({ id, type: 'Provisioned', data: null });
        await scope.waitForCount(received, 1, queue);
        expect(received.messages[0]!.id).toBe(id);
      },
    );

    scenario(
      'provisioning.existing-topic',
      "with provision: 'never', an existing topic and subscription are used normally",
      async (scope) => {
        const auto = await scope.open();
        const never = await scope.open({ provision: 'never' });
        const topic = scope.name('existing-topic');
        const subscription = scope.name('existing-sub');
        const creator = auto.bus.topic(topic).subscribe(subscription, () => {});
        await creator.start();
        await creator.stop();

        const received = collect();
        await never.bus.topic(topic).subscribe(subscription, received.handler).start();
        const id = scope.id();
        await never.bus.topic(topic).publish({ id, type: 'Provisioned', data: null });
        await scope.waitForCount(received, 1, topic);
        expect(received.messages[0]!.id).toBe(id);
      },
    );

    scenario(
      'provisioning.instance-setting',
      "a Transport instance says how it provisions, and createBus refuses an instance whose setting differs from the bus's",
      async (scope) => {
        const never = await scope.open({ provision: 'never' });
        const auto = await scope.open();
        expect(never.transport.provision).toBe('never');
        expect(auto.transport.provision ?? 'auto').toBe('auto');

        const refused = createBus({ transport: auto.transport, provision: 'never' });
        await expect(refused).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(refused).rejects.toThrow(/provision/);
        await expect(createBus({ transport: never.transport, provision: 'auto' })).rejects.toSatisfy(
          ConfigurationError.isInstance,
        );
        expect(auto.calls.send + never.calls.send).toBe(0);

        // Without a bus-level setting the instance's own applies: still nothing is created.
        const queue = scope.name('missing');
        const implicit = await createBus({ transport: never.transport, source: scope.name('src') });
        scope.defer(() => implicit.close());
        const attempt = implicit.producer(queue).send({ type: 'Nowhere', data: null });
        await expect(attempt).rejects.toSatisfy(ConfigurationError.isInstance);
        await expect(attempt).rejects.toThrow(queue);
      },
    );
  });
}
