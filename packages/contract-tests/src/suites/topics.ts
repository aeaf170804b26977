import { FailureHeader, PermanentError } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;

/** Topics fan out to durable, named subscriptions; each subscription is its own queue. */
export function topicSuite(scenario: DefineScenario): void {
  describe('topics', () => {
    scenario(
      'topics.fan-out',
      'every subscription of a topic receives every published message once',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('fan-out'));
        const email = collect();
        const sms = collect();
        await topic.subscribe(scope.name('email'), email.handler).start();
        await topic.subscribe(scope.name('sms'), sms.handler).start();

        const ids = [scope.id(), scope.id(), scope.id()];
        for (const id of ids) await topic.publish({ id, type: 'OrderConfirmed', data: { id } });

        await scope.waitForCount(email, 3, 'the email subscription');
        await scope.waitForCount(sms, 3, 'the sms subscription');
        await scope.settle();
        for (const collector of [email, sms]) {
          expect(collector.count()).toBe(3);
          expect(collector.distinctIds()).toEqual(new Set(ids));
        }
      },
    );

    scenario(
      'topics.round-trip',
      'a published message arrives with every envelope field and header intact',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('topic-rt'));
        const received = collect();
        await topic.subscribe(scope.name('sub'), received.handler).start();

        const sent = {
          id: scope.id(),
          type: 'CustomerNotified',
          source: 'ct-notifications',
          subject: 'customer-9',
          time: '2025-05-06T07:08:09.010Z',
          data: { email: 'someone@example.com', lines: ['a', 'b'] },
          headers: { 'x-channel': 'email', 'x-locale': 'de-DE' },
          correlationId: 'ct-correlation-topic',
          causationId: 'ct-causation-topic',
        };
        await topic.publish(sent);

        await scope.waitForCount(received, 1, 'the subscription');
        expect(received.messages[0]).toEqual({ ...sent, attempt: 1 });
      },
    );

    scenario('topics.publish-batch', 'a batch publish reaches each subscription whole', async (scope) => {
      const { bus } = await scope.open();
      const topic = bus.topic(scope.name('pub-batch'));
      const first = collect();
      const second = collect();
      await topic.subscribe(scope.name('first'), first.handler).start();
      await topic.subscribe(scope.name('second'), second.handler).start();

      const batch = Array.from({ length: 6 }, (_, n) => ({ id: scope.id(), type: 'Announced', data: { n } }));
      await topic.publish(batch);

      await scope.waitForCount(first, 6, 'the first subscription');
      await scope.waitForCount(second, 6, 'the second subscription');
      await scope.settle();
      const ids = new Set(batch.map((message) => message.id));
      expect(first.count()).toBe(6);
      expect(second.count()).toBe(6);
      expect(first.distinctIds()).toEqual(ids);
      expect(second.distinctIds()).toEqual(ids);
    });

    scenario(
      'topics.durable-while-stopped',
      'a subscription receives what was published while its consumer was stopped',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('durable'));
        const received = collect();
        const subscriber = topic.subscribe(scope.name('durable-sub'), received.handler);
        await subscriber.start();
        await subscriber.stop();

        const ids = [scope.id(), scope.id()];
        await topic.publish(ids.map((id) => ({ id, type: 'WhileAway', data: null })));
        await scope.settle();
        expect(received.count()).toBe(0);

        await subscriber.start();
        await scope.waitForCount(received, 2, 'the restarted subscription');
        expect(received.distinctIds()).toEqual(new Set(ids));
      },
    );

    scenario(
      'topics.durable-new-consumer',
      'a new consumer of an existing subscription gets what waited for it',
      async (scope) => {
        const { bus } = await scope.open();
        const topicName = scope.name('durable-new');
        const subscription = scope.name('sub');
        const first = bus.topic(topicName).subscribe(subscription, () => {});
        await first.start();
        await first.stop();

        const id = scope.id();
        await bus.topic(topicName).publish({ id, type: 'Waited', data: null });

        const received = collect();
        await bus.topic(topicName).subscribe(subscription, received.handler).start();
        await scope.waitForCount(received, 1, 'the new consumer');
        expect(received.messages[0]!.id).toBe(id);
      },
    );

    scenario(
      'topics.competing-consumers',
      'two consumers of one subscription share its messages without duplicates',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('compete'));
        const subscription = scope.name('workers');
        const first = collect();
        const second = collect();
        await topic.subscribe(subscription, first.handler, { concurrency: 2 }).start();
        await topic.subscribe(subscription, second.handler, { concurrency: 2 }).start();

        const batch = Array.from({ length: 20 }, (_, n) => ({ id: scope.id(), type: 'Job', data: { n } }));
        await topic.publish(batch);

        await scope.waitFor(() => first.count() + second.count() >= 20, '20 arrivals across both consumers');
        await scope.settle();
        const all = [...first.messages, ...second.messages].map((message) => message.id);
        expect(all).toHaveLength(20);
        expect(new Set(all)).toEqual(new Set(batch.map((message) => message.id)));
      },
    );

    scenario(
      'topics.retry-isolated',
      'a retry on one subscription does not redeliver to another',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('isolated'));
        const flaky = collect((message) => {
          if (message.attempt === 1) throw new Error('first attempt fails');
        });
        const steady = collect();
        await topic
          .subscribe(scope.name('flaky'), flaky.handler, { retry: { attempts: 3, backoff: QUICK } })
          .start();
        await topic.subscribe(scope.name('steady'), steady.handler).start();

        await topic.publish({ type: 'Broadcast', data: null });

        await scope.waitForCount(flaky, 2, 'the flaky subscription');
        await scope.waitForCount(steady, 1, 'the steady subscription');
        await scope.settle();
        expect(flaky.messages.map((message) => message.attempt)).toEqual([1, 2]);
        expect(steady.messages.map((message) => message.attempt)).toEqual([1]);
      },
    );

    scenario(
      'topics.no-subscriptions',
      'publishing to a topic without subscriptions resolves',
      async (scope) => {
        const { bus } = await scope.open();
        const topic = bus.topic(scope.name('lonely'));
        await expect(topic.publish({ type: 'IntoTheVoid', data: null })).resolves.toBeUndefined();
        await expect(
          topic.publish([
            { type: 'IntoTheVoid', data: 1 },
            { type: 'IntoTheVoid', data: 2 },
          ]),
        ).resolves.toBeUndefined();
      },
    );

    scenario(
      'topics.isolation',
      'subscriptions of the same name on different topics are separate',
      async (scope) => {
        const { bus } = await scope.open();
        const topicA = bus.topic(scope.name('topic-a'));
        const topicB = bus.topic(scope.name('topic-b'));
        const subscription = scope.name('same-name');
        const onA = collect();
        const onB = collect();
        await topicA.subscribe(subscription, onA.handler).start();
        await topicB.subscribe(subscription, onB.handler).start();

        const forA = scope.id();
        const forB = scope.id();
        await topicA.publish({ id: forA, type: 'OnA', data: null });
        await topicB.publish({ id: forB, type: 'OnB', data: null });

        await scope.waitForCount(onA, 1, 'topic A');
        await scope.waitForCount(onB, 1, 'topic B');
        await scope.settle();
        expect(onA.messages.map((message) => message.id)).toEqual([forA]);
        expect(onB.messages.map((message) => message.id)).toEqual([forB]);
      },
    );

    scenario(
      'topics.dead-letters',
      'dead letters of a subscription are read through deadLetters({ topic, subscription })',
      async (scope) => {
        const { bus } = await scope.open();
        const topicName = scope.name('sub-dlq');
        const failing = scope.name('failing');
        const healthy = scope.name('healthy');
        const topic = bus.topic(topicName);
        await topic.subscribe(failing, () => Promise.reject(new PermanentError('cannot notify'))).start();
        const ok = collect();
        await topic.subscribe(healthy, ok.handler).start();
        const deadFailing = collect();
        const deadHealthy = collect();
        await bus
          .deadLetters({ topic: topicName, subscription: failing })
          .consume(deadFailing.handler)
          .start();
        await bus
          .deadLetters({ topic: topicName, subscription: healthy })
          .consume(deadHealthy.handler)
          .start();

        const id = scope.id();
        await topic.publish({ id, type: 'Notify', data: { to: 'someone' }, headers: { 'x-channel': 'sms' } });

        await scope.waitForCount(deadFailing, 1, 'the failing subscription dead letters');
        await scope.waitForCount(ok, 1, 'the healthy subscription');
        await scope.settle();
        const letter = deadFailing.messages[0]!;
        expect(letter).toMatchObject({ id, type: 'Notify', data: { to: 'someone' } });
        expect(letter.headers['x-channel']).toBe('sms');
        expect(letter.headers[FailureHeader.failedQueue]).toBe(`${topicName}/${failing}`);
        expect(letter.headers[FailureHeader.error]).toBe('PermanentError: cannot notify');
        expect(deadHealthy.count()).toBe(0);
      },
    );
  });
}
