import { type Logger, PermanentError, TraceContextAttribute } from '@omnibus/core';
import { context as contextApi, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { OpenBus, Scope } from '../scope.js';
import { createTelemetryRecorder, type TelemetryRecorder } from '../telemetry-recorder.js';

const QUICK = { initialMs: 20, maxMs: 100, factor: 2, jitter: false } as const;
const SYSTEMS = new Set(['omnibus_memory', 'rabbitmq', 'aws_sqs', 'gcp_pubsub', 'servicebus']);

/**
 * OpenTelemetry through the real SDK: producer and consumer spans share one trace on every path a
 * message can take (retry, delay, rule, topic fan-out, dead letter), parent and child as the
 * messaging conventions say, with the conventions' attributes and metrics.
 */
export function telemetrySuite(scenario: DefineScenario): void {
  describe('telemetry', () => {
    scenario(
      'telemetry.send-process',
      'the process span is a child of the send span, in the same trace, with the messaging attributes',
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const queue = scope.name('tel-queue');
        const received = collect();
        await open.bus.consumer(queue, received.handler).start();
        const id = scope.id();
        await open.bus
          .producer(queue)
          .send({ id, type: 'ReserveStock', data: null, correlationId: 'tel-flow' });

        const process = await waitForSpan(scope, recorder, `process ${queue}`);
        const send = only(recorder, `send ${queue}`);
        expect(send.kind).toBe(SpanKind.PRODUCER);
        expect(process.kind).toBe(SpanKind.CONSUMER);
        expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
        expect(parentOf(process)).toBe(send.spanContext().spanId);
        const system = send.attributes['messaging.system'];
        expect(SYSTEMS.has(String(system))).toBe(true);
        expect(send.attributes).toMatchObject({
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': queue,
          'messaging.message.id': id,
        });
        expect(process.attributes).toMatchObject({
          'messaging.system': system,
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
          'messaging.message.id': id,
          'messaging.message.conversation_id': 'tel-flow',
          'omnibus.message.attempt': 1,
        });
        expect(process.events.map((event) => event.name)).toEqual(['ack']);
        // The trace context is envelope data, never a user header.
        expect(Object.keys(received.messages[0]!.headers)).not.toContain(TraceContextAttribute.traceparent);

        expect(
          sum(await recorder.metric('messaging.client.sent.messages'), {
            'messaging.destination.name': queue,
          }),
        ).toBe(1);
        expect(
          sum(await recorder.metric('messaging.client.consumed.messages'), {
            'messaging.destination.name': queue,
          }),
        ).toBe(1);
        expect(
          sum(await recorder.metric('messaging.process.duration'), { 'messaging.destination.name': queue }),
        ).toBe(1);
        expect(
          sum(await recorder.metric('messaging.client.operation.duration'), {
            'messaging.destination.name': queue,
            'messaging.operation.name': 'send',
          }),
        ).toBe(1);
        // Low cardinality: no message id on any metric point.
        for (const point of await recorder.metric('messaging.client.consumed.messages'))
          expect(point.attributes['messaging.message.id']).toBeUndefined();
      },
    );

    scenario(
      'telemetry.batch',
      'a batch is one send span; each message has its own creation context, parent of its process span',
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const queue = scope.name('tel-batch');
        await open.bus.consumer(queue, () => {}).start();
        const ids = [scope.id(), scope.id(), scope.id()];
        await open.bus.producer(queue).send(ids.map((id) => ({ id, type: 'Line', data: null })));

        await scope.waitFor(() => named(recorder, `process ${queue}`).length >= 3, 'three process spans');
        const send = only(recorder, `send ${queue}`);
        expect(send.attributes['messaging.batch.message_count']).toBe(3);
        const creates = named(recorder, `create ${queue}`);
        expect(creates).toHaveLength(3);
        for (const id of ids) {
          const create = creates.find((span) => span.attributes['messaging.message.id'] === id)!;
          const process = named(recorder, `process ${queue}`).find(
            (span) => span.attributes['messaging.message.id'] === id,
          )!;
          expect(parentOf(create)).toBe(send.spanContext().spanId);
          expect(parentOf(process)).toBe(create.spanContext().spanId);
          expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
        }
      },
    );

    scenario(
      'telemetry.retry',
      'every retried attempt is processed under the original send span, with retry events and counts',
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const queue = scope.name('tel-retry');
        await open.bus
          .consumer(
            queue,
            (message) => {
              if (message.attempt < 3) throw new TypeError(`transient ${message.attempt}`);
            },
            { retry: { attempts: 5, backoff: QUICK } },
          )
          .start();
        await open.bus.producer(queue).send({ type: 'Flaky', data: null });

        await scope.waitFor(() => named(recorder, `process ${queue}`).length >= 3, 'three process spans');
        const send = only(recorder, `send ${queue}`);
        const runs = named(recorder, `process ${queue}`).sort(
          (a, b) =>
            Number(a.attributes['omnibus.message.attempt']) - Number(b.attributes['omnibus.message.attempt']),
        );
        expect(runs.map((span) => span.attributes['omnibus.message.attempt'])).toEqual([1, 2, 3]);
        for (const run of runs) {
          expect(run.spanContext().traceId).toBe(send.spanContext().traceId);
          expect(parentOf(run)).toBe(send.spanContext().spanId);
        }
        expect(runs.map((span) => span.events.map((event) => event.name).join())).toEqual([
          'exception,retry',
          'exception,retry',
          'ack',
        ]);
        expect(runs[0]!.attributes['error.type']).toBe('TypeError');
        expect(runs[0]!.status.code).toBe(SpanStatusCode.ERROR);
        expect(runs[2]!.status.code).not.toBe(SpanStatusCode.ERROR);
        expect(
          sum(await recorder.metric('omnibus.consumer.retries'), { 'messaging.destination.name': queue }),
        ).toBe(2);
      },
    );

    scenario('telemetry.delay', 'a delayed message is processed under its send span', async (scope) => {
      const { open, recorder } = await openTraced(scope);
      const delay = open.bus.capabilities.delay;
      if (delay === false) return scope.skip('transport declares delay: false');
      const queue = scope.name('tel-delay');
      await open.bus.consumer(queue, () => {}).start();
      await open.bus
        .producer(queue)
        .send({ type: 'Reminder', data: null }, { delayMs: Math.min(1_000, delay.maxMs) });

      const process = await waitForSpan(scope, recorder, `process ${queue}`);
      const send = only(recorder, `send ${queue}`);
      expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
      expect(parentOf(process)).toBe(send.spanContext().spanId);
    });

    scenario(
      'telemetry.rule',
      "an event routed by a rule is processed under the emit span, and a handler's ctx.send nests under its process span",
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const target = scope.name('tel-rule-target');
        const next = scope.name('tel-rule-next');
        await open.rule(scope.name('tel-rule'), {
          pattern: { source: [open.source], type: ['PaymentFailed'] },
          target: { queue: target },
        });
        await open.bus
          .consumer(target, (_message, context) => context.send(next, { type: 'NotifyFinance', data: null }))
          .start();
        await open.bus.consumer(next, () => {}).start();
        await open.bus.emit({ type: 'PaymentFailed', data: { amount: 1250 } });

        const last = await waitForSpan(scope, recorder, `process ${next}`);
        // The routed run's span ends once it is acked, which may be after the next hop ran.
        await waitForSpan(scope, recorder, `process ${target}`);
        const emit = only(recorder, 'emit events');
        const routed = only(recorder, `process ${target}`);
        const hop = only(recorder, `send ${next}`);
        expect(emit.attributes['messaging.operation.type']).toBe('send');
        expect(parentOf(routed)).toBe(emit.spanContext().spanId);
        expect(parentOf(hop)).toBe(routed.spanContext().spanId);
        expect(parentOf(last)).toBe(hop.spanContext().spanId);
        for (const span of [routed, hop, last])
          expect(span.spanContext().traceId).toBe(emit.spanContext().traceId);
      },
    );

    scenario(
      'telemetry.topic',
      'each subscription processes a published message under the publish span, naming its consumer group',
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const topic = open.bus.topic(scope.name('tel-topic'));
        const subscriptions = [scope.name('email'), scope.name('sms')];
        for (const subscription of subscriptions) await topic.subscribe(subscription, () => {}).start();
        await topic.publish({ type: 'OrderConfirmed', data: null });

        await scope.waitFor(() => named(recorder, `process ${topic.name}`).length >= 2, 'two process spans');
        const publish = only(recorder, `publish ${topic.name}`);
        expect(publish.attributes['messaging.operation.name']).toBe('publish');
        const runs = named(recorder, `process ${topic.name}`);
        expect(runs.map((span) => span.attributes['messaging.consumer.group.name']).sort()).toEqual(
          [...subscriptions].sort(),
        );
        for (const run of runs) {
          expect(parentOf(run)).toBe(publish.spanContext().spanId);
          expect(run.attributes['messaging.destination.subscription.name']).toBe(
            run.attributes['messaging.consumer.group.name'],
          );
        }
      },
    );

    scenario(
      'telemetry.dead-letter',
      "a dead-lettered message's span records the reason, and its dead letter keeps the trace",
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        const queue = scope.name('tel-dead');
        await open.bus
          .consumer(queue, () => {
            throw new PermanentError('card declined');
          })
          .start();
        await open.bus
          .deadLetters(queue)
          .consume(() => {})
          .start();
        await open.bus.producer(queue).send({ type: 'ChargeCard', data: null });

        const inspected = await waitForSpan(scope, recorder, `process ${queue}.dlq`);
        await waitForSpan(scope, recorder, `process ${queue}`);
        const send = only(recorder, `send ${queue}`);
        const failed = only(recorder, `process ${queue}`);
        const event = failed.events.find((candidate) => candidate.name === 'dead_letter');
        expect(String(event?.attributes?.['omnibus.dead_letter.reason'])).toContain('card declined');
        expect(failed.status.code).toBe(SpanStatusCode.ERROR);
        expect(failed.attributes['error.type']).toBe('PermanentError');
        expect(inspected.spanContext().traceId).toBe(send.spanContext().traceId);
        expect(parentOf(inspected)).toBe(send.spanContext().spanId);
        expect(
          sum(await recorder.metric('omnibus.consumer.dead_letters'), {
            'messaging.destination.name': queue,
          }),
        ).toBe(1);
      },
    );

    scenario(
      'telemetry.forward-without-provider',
      'a service with no tracer provider passes the trace on: what its handler sends stays in the trace',
      async (scope) => {
        const { open, recorder } = await openTraced(scope);
        // The API is installed and nothing is registered globally: this bus records nothing.
        const relay = await scope.open({ telemetry: {} });
        expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
        const inbound = scope.name('tel-fwd-in');
        const outbound = scope.name('tel-fwd-out');
        await relay.bus
          .consumer(inbound, (message, context) =>
            context.send(outbound, { type: 'Relayed', data: message.data }),
          )
          .start();
        let tenant: string | undefined;
        const received = collect(() => {
          tenant = propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value;
        });
        await open.bus.consumer(outbound, received.handler).start();
        const withBaggage = propagation.setBaggage(
          contextApi.active(),
          propagation.createBaggage({ tenant: { value: 'acme corp' } }),
        );
        await contextApi.with(withBaggage, () =>
          open.bus.producer(inbound).send({ type: 'Start', data: 'relay me' }),
        );

        const process = await waitForSpan(scope, recorder, `process ${outbound}`);
        const send = only(recorder, `send ${inbound}`);
        // Nothing recorded the relay's run, so the message it sent carries the context it received.
        expect(named(recorder, `process ${inbound}`)).toHaveLength(0);
        expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
        expect(parentOf(process)).toBe(send.spanContext().spanId);
        expect(tenant).toBe('acme corp');
        expect(received.messages[0]!.data).toBe('relay me');
      },
    );

    scenario(
      'telemetry.context-and-logs',
      "the caller's trace and baggage reach the handler, and its log lines carry the process span's ids",
      async (scope) => {
        const lines: { message: string; fields?: Record<string, unknown> }[] = [];
        const record = (message: string, fields?: Record<string, unknown>) => {
          lines.push({ message, ...(fields ? { fields } : {}) });
        };
        const logger = { debug: record, info: record, warn: record, error: record };
        const { open, recorder } = await openTraced(scope, logger);
        const queue = scope.name('tel-context');
        let tenant: string | undefined;
        await open.bus
          .consumer(queue, (_message, context) => {
            tenant = propagation.getBaggage(contextApi.active())?.getEntry('tenant')?.value;
            context.logger.info('handling');
          })
          .start();
        const caller = recorder.tracerProvider.getTracer('caller').startSpan('checkout');
        const callerContext = propagation.setBaggage(
          contextApi.active(),
          propagation.createBaggage({ tenant: { value: 'acme corp' } }),
        );
        await contextApi.with(trace.setSpan(callerContext, caller), () =>
          open.bus.producer(queue).send({ type: 'Checkout', data: null }),
        );
        caller.end();

        const process = await waitForSpan(scope, recorder, `process ${queue}`);
        const send = only(recorder, `send ${queue}`);
        expect(parentOf(send)).toBe(caller.spanContext().spanId);
        expect(process.spanContext().traceId).toBe(caller.spanContext().traceId);
        expect(tenant).toBe('acme corp');
        const line = lines.find((candidate) => candidate.message === 'handling');
        expect(line?.fields).toMatchObject({
          traceId: process.spanContext().traceId,
          spanId: process.spanContext().spanId,
        });
      },
    );

    scenario(
      'telemetry.lifecycle-events',
      'bus.on reports sent, received, settled and dead-lettered, and unsubscribes',
      async (scope) => {
        const { bus } = await scope.open();
        const queue = scope.name('tel-events');
        const seen: string[] = [];
        const off = [
          bus.on('sent', (event) => seen.push(`sent:${event.destination}:${event.messageIds.length}`)),
          bus.on('received', (event) => seen.push(`received:${event.attempt}`)),
          bus.on('settled', (event) => seen.push(`settled:${event.outcome}`)),
          bus.on('dead-lettered', (event) => seen.push(`dead-lettered:${event.reason}`)),
        ];
        await bus
          .consumer(
            queue,
            (message) => {
              throw message.attempt < 2 ? new Error('again') : new PermanentError('give up');
            },
            { retry: { attempts: 5, backoff: QUICK } },
          )
          .start();
        await bus.producer(queue).send({ type: 'Doomed', data: null });
        await scope.waitFor(
          () => seen.length >= 6,
          'six lifecycle events',
          () => seen.join(', '),
        );
        // `sent` comes once the broker confirmed, which may be after the consumer received it; a
        // retry's settle may resolve after its copy arrived (a scheduled copy on Service Bus).
        expect([...seen].sort()).toEqual(
          [
            `sent:${queue}:1`,
            'received:1',
            'settled:retry',
            'received:2',
            'settled:dead-letter',
            'dead-lettered:PermanentError: give up',
          ].sort(),
        );
        expect(seen.indexOf('received:1')).toBeLessThan(seen.indexOf('settled:retry'));
        expect(seen.indexOf('settled:dead-letter')).toBeLessThan(
          seen.indexOf('dead-lettered:PermanentError: give up'),
        );
        for (const unsubscribe of off) unsubscribe();
        await bus.producer(queue).send({ type: 'Unseen', data: null });
        await scope.settle();
        expect(seen).toHaveLength(6);
      },
    );
  });
}

async function openTraced(
  scope: Scope,
  logger?: Logger,
): Promise<{ open: OpenBus; recorder: TelemetryRecorder }> {
  const recorder = createTelemetryRecorder();
  scope.defer(() => recorder.shutdown());
  const open = await scope.open({
    telemetry: { tracerProvider: recorder.tracerProvider, meterProvider: recorder.meterProvider },
    ...(logger ? { logger } : {}),
  });
  return { open, recorder };
}

function named(recorder: TelemetryRecorder, name: string): ReadableSpan[] {
  return recorder.spans().filter((span) => span.name === name);
}

function only(recorder: TelemetryRecorder, name: string): ReadableSpan {
  const spans = named(recorder, name);
  expect(
    spans.map((span) => span.name),
    `exactly one '${name}' span`,
  ).toEqual([name]);
  return spans[0]!;
}

async function waitForSpan(scope: Scope, recorder: TelemetryRecorder, name: string): Promise<ReadableSpan> {
  await scope.waitFor(
    () => named(recorder, name).length > 0,
    `a '${name}' span`,
    () =>
      recorder
        .spans()
        .map((span) => span.name)
        .join(', '),
  );
  return named(recorder, name)[0]!;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

function sum(
  points: readonly { attributes: Readonly<Record<string, unknown>>; value: number }[],
  where: Record<string, unknown>,
): number {
  return points
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((total, point) => total + point.value, 0);
}
