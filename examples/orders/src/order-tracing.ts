import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** The OpenTelemetry SDK recording into memory, registered the way any application registers it. */
export interface OrderTracing {
  /** Every span ended since the last {@link OrderTracing.reset}. */
  spans(): ReadableSpan[];
  /** Forgets the spans recorded so far (between runs on several transports). */
  reset(): void;
}

let registered: OrderTracing | undefined;

/**
 * Registers a global tracer provider with an always-on sampler and an in-memory exporter, and an
 * async-hooks context manager, as `NodeSDK.start()` would. Omnibus is given nothing: it finds the
 * global provider by itself. Registering is once per process; later calls return the same recorder.
 */
export function startOrderTracing(): OrderTracing {
  if (registered) return registered;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  registered = { spans: () => exporter.getFinishedSpans(), reset: () => exporter.reset() };
  return registered;
}
