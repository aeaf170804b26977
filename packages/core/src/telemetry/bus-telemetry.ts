import type {
  Attributes,
  Context,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  Span,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import type { EncodedMessage } from '../message/encoded-message.js';
import type { SourceRef } from '../transport/transport.js';
import type { OpenTelemetry } from './load-opentelemetry.js';
import { messagingSystem } from './messaging-system.js';
import type { TelemetryOptions } from './telemetry-options.js';
import { extractTraceContext, injectTraceContext } from './w3c-trace-context.js';

/** How a message left: to a queue, to a topic, or onto the event bus. */
export type SendOperation = 'send' | 'publish' | 'emit';

/** How a delivery was settled. */
export type SettleOutcome = 'ack' | 'retry' | 'dead_letter';

/** The destination name of `emit`: the bus's event stream, whatever the transport calls it. */
export const EVENTS_DESTINATION = 'events';

/** An idempotency decision on one delivery. */
export type IdempotencyOutcome = 'claimed' | 'duplicate' | 'in_progress';

/** One send, publish or emit call being traced. */
export interface SendTrace {
  /** The context to run the transport call in (the send span is its active span). */
  readonly context: Context;
  /** Writes the creation context of message `index` of the batch into its attributes. */
  inject(attributes: Record<string, string>, index: number, id: string): void;
  /** Ends the span and records the metrics; `error` when the call failed. */
  end(error?: unknown): void;
}

/** One handler run being traced. */
export interface ProcessTrace {
  /** The context the handler runs in: the process span under the producer's context. */
  readonly context: Context;
  /** Records why the handler failed. */
  failed(error: Error): void;
  /** Records a settle outcome as a span event and status, and its metrics. */
  settle(outcome: SettleOutcome, detail: { delayMs?: number; reason?: string }): () => void;
  /** Ends the span and records the process duration. */
  end(): void;
  /** Counts an idempotency decision taken while processing. */
  idempotency(outcome: IdempotencyOutcome): void;
}

/** The OpenTelemetry side of a bus: spans, propagation and metrics per the messaging conventions. */
export interface BusTelemetry {
  readonly api: OpenTelemetry;
  /**
   * Whether anything would record: an explicit provider, or a global one registered (now or
   * since). With the API installed but no provider, the bus takes its plain path.
   */
  active(): boolean;
  startSend(operation: SendOperation, destination: string, count: number, parent: Context): SendTrace;
  startProcess(source: SourceRef, message: EncodedMessage, attempt: number): ProcessTrace;
}

const SCOPE = '@omnibus/core';
// The bucket boundaries the messaging conventions advise for durations, in seconds.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  readonly sent: Counter;
  readonly consumed: Counter;
  readonly operationDuration: Histogram;
  readonly processDuration: Histogram;
  readonly retries: Counter;
  readonly deadLetters: Counter;
  readonly idempotency: Counter;
}

/**
 * Creates the telemetry of one bus. Tracers and meters come from `options` or, lazily, from the
 * global providers, so providers registered after `createBus` are picked up too.
 */
export function createBusTelemetry(
  api: OpenTelemetry,
  options: TelemetryOptions,
  transportName: string,
): BusTelemetry {
  const system = messagingSystem(transportName);
  const tracer: Tracer = options.tracerProvider
    ? (options.tracerProvider as TracerProvider).getTracer(SCOPE)
    : // A proxy tracer: it follows whatever provider is registered globally, now or later.
      api.trace.getTracer(SCOPE);
  let instrumentsFor: MeterProvider | undefined;
  let cached: Instruments | undefined;
  const instruments = (): Instruments => {
    const provider = (options.meterProvider as MeterProvider | undefined) ?? api.metrics.getMeterProvider();
    if (provider !== instrumentsFor || !cached) {
      instrumentsFor = provider;
      cached = createInstruments(provider.getMeter(SCOPE));
    }
    return cached;
  };
  const { SpanKind, SpanStatusCode } = api;
  // The delegate of a proxy provider nobody registered a provider behind: the no-op provider.
  const noopTracerProvider = new api.ProxyTracerProvider().getDelegate();
  const explicit = options.tracerProvider !== undefined || options.meterProvider !== undefined;

  return {
    api,
    active() {
      if (explicit) return true;
      const global = api.trace.getTracerProvider() as TracerProvider & { getDelegate?(): TracerProvider };
      const tracing = (global.getDelegate ? global.getDelegate() : global) !== noopTracerProvider;
      return tracing || api.metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider';
    },
    startSend(operation, destination, count, parent) {
      const started = performance.now();
      const attributes: Attributes = {
        'messaging.system': system,
        'messaging.operation.type': 'send',
        'messaging.operation.name': operation,
        'messaging.destination.name': destination,
      };
      if (count > 1) attributes['messaging.batch.message_count'] = count;
      const span = tracer.startSpan(
        `${operation} ${destination}`,
        { kind: SpanKind.PRODUCER, attributes },
        parent,
      );
      const context = api.trace.setSpan(parent, span);
      return {
        context,
        inject(target, index, id) {
          if (count === 1) {
            span.setAttribute('messaging.message.id', id);
            injectTraceContext(api, context, span.spanContext(), target);
            return;
          }
          // A batch: each message gets its own creation context, a `create` span under the send span.
          const create = tracer.startSpan(
            `create ${destination}`,
            {
              kind: SpanKind.PRODUCER,
              attributes: {
                'messaging.system': system,
                'messaging.operation.type': 'create',
                'messaging.operation.name': 'create',
                'messaging.destination.name': destination,
                'messaging.message.id': id,
                'omnibus.batch.index': index,
              },
            },
            context,
          );
          injectTraceContext(api, context, create.spanContext(), target);
          create.end();
        },
        end(error) {
          const metricAttributes: Attributes = {
            'messaging.system': system,
            'messaging.operation.name': operation,
            'messaging.destination.name': destination,
          };
          if (error !== undefined) {
            const type = errorType(error);
            metricAttributes['error.type'] = type;
            span.setAttribute('error.type', type);
            recordError(span, error);
          }
          span.end();
          const meters = instruments();
          meters.sent.add(count, metricAttributes);
          meters.operationDuration.record((performance.now() - started) / 1000, metricAttributes);
        },
      };
    },

    startProcess(source, message, attempt) {
      const started = performance.now();
      const names = destinationOf(source);
      const base: Attributes = {
        'messaging.system': system,
        'messaging.destination.name': names.destination,
      };
      if (names.subscription !== undefined) {
        base['messaging.destination.subscription.name'] = names.subscription;
        base['messaging.consumer.group.name'] = names.subscription;
      }
      const attributes: Attributes = {
        ...base,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.message.id': message.id,
        'omnibus.message.attempt': attempt,
      };
      const type = message.attributes['ce-type'];
      if (type !== undefined) attributes['omnibus.message.type'] = type;
      const correlationId = message.attributes['ce-correlationid'];
      if (correlationId !== undefined) attributes['messaging.message.conversation_id'] = correlationId;
      const parent = extractTraceContext(api, api.ROOT_CONTEXT, message.attributes);
      const span = tracer.startSpan(
        `process ${names.destination}`,
        { kind: SpanKind.CONSUMER, attributes },
        parent,
      );
      const meters = instruments();
      meters.consumed.add(1, { ...base, 'messaging.operation.name': 'process' });
      let failure: string | undefined;
      return {
        context: api.trace.setSpan(parent, span),
        failed(error) {
          failure = errorType(error);
          span.setAttribute('error.type', failure);
          recordError(span, error);
        },
        settle(outcome, detail) {
          const settleStarted = performance.now();
          const eventAttributes: Attributes = {};
          if (detail.delayMs !== undefined) eventAttributes['omnibus.retry.delay_ms'] = detail.delayMs;
          if (detail.reason !== undefined) eventAttributes['omnibus.dead_letter.reason'] = detail.reason;
          span.addEvent(outcome, eventAttributes);
          if (outcome === 'dead_letter') {
            failure ??= detail.reason?.split(':', 1)[0] ?? 'Error';
            span.setAttribute('error.type', failure);
            span.setStatus({ code: SpanStatusCode.ERROR, message: detail.reason ?? 'dead-lettered' });
            meters.deadLetters.add(1, { ...base, 'error.type': failure });
          } else if (outcome === 'retry') {
            meters.retries.add(1, failure === undefined ? base : { ...base, 'error.type': failure });
          }
          return () => {
            meters.operationDuration.record((performance.now() - settleStarted) / 1000, {
              ...base,
              'messaging.operation.name': outcome,
            });
          };
        },
        end() {
          span.end();
          meters.processDuration.record(
            (performance.now() - started) / 1000,
            failure === undefined
              ? { ...base, 'messaging.operation.name': 'process' }
              : { ...base, 'messaging.operation.name': 'process', 'error.type': failure },
          );
        },
        idempotency(outcome) {
          span.addEvent('idempotency', { 'omnibus.idempotency.outcome': outcome });
          meters.idempotency.add(1, { ...base, 'omnibus.idempotency.outcome': outcome });
        },
      };
    },
  };

  function recordError(span: Span, error: unknown): void {
    const exception = error instanceof Error ? error : new Error(String(error));
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
  }
}

function createInstruments(meter: Meter): Instruments {
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } };
  return {
    sent: meter.createCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Messages a producer attempted to send to the broker.',
    }),
    consumed: meter.createCounter('messaging.client.consumed.messages', {
      unit: '{message}',
      description: 'Messages delivered to a consumer.',
    }),
    operationDuration: meter.createHistogram('messaging.client.operation.duration', {
      ...seconds,
      description: 'Duration of send and settle operations.',
    }),
    processDuration: meter.createHistogram('messaging.process.duration', {
      ...seconds,
      description: 'Duration of processing one delivery: handler and settle.',
    }),
    retries: meter.createCounter('omnibus.consumer.retries', {
      unit: '{message}',
      description: 'Deliveries handed back for a later retry.',
    }),
    deadLetters: meter.createCounter('omnibus.consumer.dead_letters', {
      unit: '{message}',
      description: 'Deliveries moved to a dead-letter queue.',
    }),
    idempotency: meter.createCounter('omnibus.idempotency.outcomes', {
      unit: '{message}',
      description: 'Idempotency decisions: claimed, duplicate, in_progress.',
    }),
  };
}

/** Low-cardinality destination names for a consumer's source. */
function destinationOf(source: SourceRef): { destination: string; subscription?: string } {
  switch (source.kind) {
    case 'queue':
      return { destination: source.queue };
    case 'subscription':
      return { destination: source.topic, subscription: source.subscription };
    case 'dead-letter':
      return source.of.kind === 'queue'
        ? { destination: `${source.of.queue}.dlq` }
        : { destination: source.of.topic, subscription: `${source.of.subscription}.dlq` };
  }
}

/** `error.type`: the error's class name (low cardinality), or its stable code for Omnibus errors. */
function errorType(error: unknown): string {
  return error instanceof Error ? error.name || 'Error' : '_OTHER';
}
