/**
 * Where a bus sends its traces and metrics. Both default to the providers registered globally with
 * `@opentelemetry/api` (by the OpenTelemetry SDK's `register()` or `NodeSDK.start()`), so an
 * application that already sets up OpenTelemetry needs no Omnibus configuration at all.
 *
 * The types are the subset of `TracerProvider` and `MeterProvider` Omnibus calls, so that core's
 * declarations do not require `@opentelemetry/api` to be installed.
 */
export interface TelemetryOptions {
  /** A `TracerProvider` (e.g. the SDK's `BasicTracerProvider`). @default the global provider */
  tracerProvider?: TracerProviderLike;
  /** A `MeterProvider` (e.g. the SDK's `MeterProvider`). @default the global provider */
  meterProvider?: MeterProviderLike;
}

/** What Omnibus needs of an OpenTelemetry `TracerProvider`. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** What Omnibus needs of an OpenTelemetry `MeterProvider`. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}
