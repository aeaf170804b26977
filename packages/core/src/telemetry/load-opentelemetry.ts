import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module, as core uses it. */
export type OpenTelemetry = typeof OpenTelemetryApi;

let loading: Promise<OpenTelemetry | undefined> | undefined;

/**
 * Loads `@opentelemetry/api` once per process, resolving to `undefined` when it is not installed.
 * It is an optional peer dependency: an application that does not use OpenTelemetry never loads
 * it, and its bus runs without any telemetry code on the hot path.
 */
export function loadOpenTelemetry(): Promise<OpenTelemetry | undefined> {
  loading ??= import(/* @vite-ignore */ '@opentelemetry/api').then(
    (loaded: OpenTelemetry | { default: OpenTelemetry }) => ('trace' in loaded ? loaded : loaded.default),
    () => undefined,
  );
  return loading;
}
