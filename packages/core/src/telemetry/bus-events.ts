import { ConfigurationError } from '../errors/index.js';
import type { SourceRef } from '../transport/transport.js';
import type { SendOperation } from './bus-telemetry.js';

/** Lifecycle events a bus reports to `bus.on(...)`, for monitoring without OpenTelemetry. */
export interface BusEvents {
  /** A send, publish or emit call was confirmed by the broker. */
  sent: {
    readonly operation: SendOperation;
    /** The queue or topic; `'events'` for emit. */
    readonly destination: string;
    /** The ids of the messages, in batch order. */
    readonly messageIds: readonly string[];
    readonly durationMs: number;
  };
  /** A delivery reached a consumer, before its handler runs. */
  received: {
    readonly source: SourceRef;
    readonly messageId: string;
    /** `undefined` for a message without a type (it will be dead-lettered as undecodable). */
    readonly type: string | undefined;
    readonly attempt: number;
  };
  /** A delivery was settled (or settling it failed, then `error` says why). */
  settled: {
    readonly source: SourceRef;
    readonly messageId: string;
    readonly type: string | undefined;
    readonly attempt: number;
    readonly outcome: 'ack' | 'retry' | 'dead-letter';
    /** For `retry`: the delay asked for. */
    readonly delayMs?: number;
    /** For `dead-letter`: `<error name>: <error message>`. */
    readonly reason?: string;
    /** Time from receipt to settle. */
    readonly durationMs: number;
    /** The broker did not record the outcome; the message will be redelivered. */
    readonly error?: Error;
  };
  /** A delivery was moved to its dead-letter queue. */
  'dead-lettered': {
    readonly source: SourceRef;
    readonly messageId: string;
    readonly type: string | undefined;
    readonly attempt: number;
    readonly reason: string;
  };
  /** The transport lost its connection to the broker and is reconnecting. */
  'connection-lost': { readonly transport: string; readonly reason: string };
  /** The transport reconnected after a loss. */
  'connection-restored': { readonly transport: string; readonly downtimeMs: number };
}

/** The name of a lifecycle event. */
export type BusEventName = keyof BusEvents;

/** A listener of one lifecycle event. */
export type BusEventListener<E extends BusEventName> = (event: BusEvents[E]) => void;

/** A small typed event hub. Listener errors are reported to `onListenerError`, never thrown. */
export interface BusEventHub {
  on<E extends BusEventName>(name: E, listener: BusEventListener<E>): () => void;
  /** Whether anyone listens to `name`: the bus skips building events nobody reads. */
  has(name: BusEventName): boolean;
  emit<E extends BusEventName>(name: E, event: BusEvents[E]): void;
}

const EVENT_NAMES = new Set<string>([
  'sent',
  'received',
  'settled',
  'dead-lettered',
  'connection-lost',
  'connection-restored',
] satisfies BusEventName[]);

export function createBusEventHub(
  onListenerError: (name: BusEventName, error: unknown) => void,
): BusEventHub {
  const listeners = new Map<BusEventName, Set<(event: never) => void>>();
  return {
    on(name, listener) {
      if (!EVENT_NAMES.has(name))
        throw new ConfigurationError(
          `bus.on: unknown event '${String(name)}'; known: ${[...EVENT_NAMES].join(', ')}.`,
        );
      if (typeof listener !== 'function')
        throw new ConfigurationError(`bus.on('${name}', listener) needs a listener function.`);
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      // Wrapped so that the same function subscribed twice is two subscriptions, each removable.
      const entry = (event: never) => listener(event);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    has(name) {
      const set = listeners.get(name);
      return set !== undefined && set.size > 0;
    },
    emit(name, event) {
      const set = listeners.get(name);
      if (!set) return;
      for (const listener of set) {
        try {
          (listener as (event: unknown) => void)(event);
        } catch (error) {
          onListenerError(name, error);
        }
      }
    },
  };
}
