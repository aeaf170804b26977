import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { Logger } from '../logger/logger.js';
import type { EncodedMessage } from '../message/encoded-message.js';
import type { Delivery, DeliveryHandler, FailureInfo, SourceRef } from '../transport/transport.js';
import type { BusEventHub } from './bus-events.js';
import { forwardableTraceContext } from './w3c-trace-context.js';
import type {
  BusTelemetry,
  IdempotencyOutcome,
  ProcessTrace,
  SendOperation,
  SendTrace,
} from './bus-telemetry.js';

/** Writes a message's creation context into its attributes before its size is checked. */
export type Inject = (attributes: Record<string, string>, index: number, id: string) => void;

/**
 * The one place the bus and the consumer runtime report to: traces and metrics (when
 * OpenTelemetry is on) and lifecycle events (when someone listens). With neither, every method
 * returns the plain path and the hot path pays one check.
 */
export interface BusObserver {
  /** Runs one send/publish/emit: `encode` builds the batch (injecting trace context), `deliver` sends it. */
  send(
    operation: SendOperation,
    destination: string,
    count: number,
    encode: (inject: Inject | undefined) => readonly EncodedMessage[] | Promise<readonly EncodedMessage[]>,
    deliver: (encoded: readonly EncodedMessage[]) => Promise<void>,
  ): Promise<void>;
  /** Wraps a consumer's delivery handler: a process span around the handler, settle outcomes recorded. */
  delivery(source: SourceRef, onDelivery: DeliveryHandler): DeliveryHandler;
  /** A logger that adds `traceId` and `spanId` to every line written inside a handler. */
  logger(logger: Logger): Logger;
}

/** What is known about the delivery being processed on the current async path. */
interface ProcessScope {
  readonly trace: ProcessTrace | undefined;
  /**
   * When the delivery is not traced: the trace context it arrived with, which what the handler
   * sends carries on unchanged, so a trace passes through a service that records nothing.
   */
  readonly forward: Inject | undefined;
}

// One store for every bus of the process: code inside a handler (ctx.send, a producer, the
// idempotency middleware, a log line) finds the delivery it belongs to without any context
// manager being registered.
const processScope = new AsyncLocalStorage<ProcessScope>();

/** Records a handler failure on the delivery being processed, if it is traced. Returns `error`. */
export function noteFailure(error: Error): Error {
  processScope.getStore()?.trace?.failed(error);
  return error;
}

/** Counts an idempotency decision on the delivery being processed, if it is traced. */
export function noteIdempotency(outcome: IdempotencyOutcome): void {
  processScope.getStore()?.trace?.idempotency(outcome);
}

/**
 * `forward`: whether a delivery this bus does not trace still passes its incoming trace context on
 * to what its handler sends (off only with `telemetry: false`).
 */
export function createBusObserver(
  installed: BusTelemetry | undefined,
  events: BusEventHub,
  forward: boolean,
): BusObserver {
  const api = installed?.api;
  // The telemetry to use for one operation: none while no provider would record anything.
  const current = () => (installed?.active() ? installed : undefined);

  /** The context new spans start in: the active one, else the handler's process context. */
  function currentContext(): Context | undefined {
    if (!api) return undefined;
    const active = api.context.active();
    if (api.trace.getSpan(active)) return active;
    return processScope.getStore()?.trace?.context ?? active;
  }

  return {
    async send(operation, destination, count, encode, deliver) {
      const telemetry = current();
      const listening = events.has('sent');
      if (!telemetry && !listening) {
        const batch = encode(forward ? processScope.getStore()?.forward : undefined);
        // Awaited only when a schema made it asynchronous: an await costs a turn of the microtask queue.
        await deliver(Array.isArray(batch) ? batch : await batch);
        return;
      }
      const started = performance.now();
      let trace: SendTrace | undefined;
      if (telemetry) trace = telemetry.startSend(operation, destination, count, currentContext()!);
      let encoded: readonly EncodedMessage[];
      try {
        encoded = await encode(
          trace
            ? (attributes, index, id) => trace.inject(attributes, index, id)
            : forward
              ? processScope.getStore()?.forward
              : undefined,
        );
        if (trace) await api!.context.with(trace.context, () => deliver(encoded));
        else await deliver(encoded);
      } catch (error) {
        trace?.end(error);
        throw error;
      }
      trace?.end();
      if (listening) {
        events.emit('sent', {
          operation,
          destination,
          messageIds: encoded.map((message) => message.id),
          durationMs: performance.now() - started,
        });
      }
    },

    delivery(source, onDelivery) {
      return (delivery) => {
        const telemetry = current();
        if (!telemetry && !events.has('received') && !events.has('settled') && !events.has('dead-lettered')) {
          const forwarding = forwarderOf(delivery.message);
          return forwarding
            ? processScope.run({ trace: undefined, forward: forwarding }, onDelivery, delivery)
            : onDelivery(delivery);
        }
        return observeDelivery(telemetry, source, delivery, onDelivery);
      };
    },

    logger(logger) {
      if (!api) return logger;
      const fields = (extra: Record<string, unknown> | undefined) => {
        const context = currentContext();
        const span = context && api.trace.getSpanContext(context);
        if (!span || !api.isSpanContextValid(span)) return extra;
        return { ...extra, traceId: span.traceId, spanId: span.spanId };
      };
      return {
        debug: (message, extra) => logger.debug(message, fields(extra)),
        info: (message, extra) => logger.info(message, fields(extra)),
        warn: (message, extra) => logger.warn(message, fields(extra)),
        error: (message, extra) => logger.error(message, fields(extra)),
      };
    },
  };

  /** Copies `message`'s incoming trace context into what is sent while it is handled, if it has any. */
  function forwarderOf(message: EncodedMessage): Inject | undefined {
    if (!forward) return undefined;
    const incoming = forwardableTraceContext(message.attributes);
    return incoming && ((attributes) => Object.assign(attributes, incoming));
  }

  async function observeDelivery(
    telemetry: BusTelemetry | undefined,
    source: SourceRef,
    delivery: Delivery,
    onDelivery: DeliveryHandler,
  ) {
    const started = performance.now();
    const message = delivery.message;
    const attempt = delivery.attempt;
    const type = message.attributes['ce-type'];
    const trace = telemetry?.startProcess(source, message, attempt);
    if (events.has('received')) events.emit('received', { source, messageId: message.id, type, attempt });

    const settle = async (
      outcome: 'ack' | 'retry' | 'dead-letter',
      detail: { delayMs?: number; reason?: string },
      action: () => Promise<void>,
    ) => {
      const settled = trace?.settle(outcome === 'dead-letter' ? 'dead_letter' : outcome, detail);
      let failure: Error | undefined;
      try {
        await action();
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        settled?.();
        if (events.has('settled')) {
          events.emit('settled', {
            source,
            messageId: message.id,
            type,
            attempt,
            outcome,
            ...detail,
            durationMs: performance.now() - started,
            ...(failure ? { error: failure } : {}),
          });
        }
        if (outcome === 'dead-letter' && !failure && events.has('dead-lettered')) {
          events.emit('dead-lettered', {
            source,
            messageId: message.id,
            type,
            attempt,
            reason: detail.reason ?? '',
          });
        }
      }
    };
    // The transport's delivery stays the prototype, so anything else it carries still reads through.
    const observed: Delivery = Object.create(delivery, {
      ack: { value: () => settle('ack', {}, () => delivery.ack()) },
      retry: { value: (delayMs: number) => settle('retry', { delayMs }, () => delivery.retry(delayMs)) },
      deadLetter: {
        value: (failure: FailureInfo) =>
          settle('dead-letter', { reason: failure.reason }, () => delivery.deadLetter(failure)),
      },
    });
    try {
      const scope: ProcessScope = { trace, forward: trace ? undefined : forwarderOf(message) };
      await processScope.run(scope, () =>
        trace ? api!.context.with(trace.context, () => onDelivery(observed)) : onDelivery(observed),
      );
    } finally {
      trace?.end();
    }
  }
}
