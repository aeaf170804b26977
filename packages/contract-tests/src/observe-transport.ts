import type { Transport } from '@omnibus/core';

/** How often each I/O method of the transport was entered. */
export interface TransportCalls {
  send: number;
  publish: number;
  emit: number;
  consume: number;
  putRule: number;
  deleteRule: number;
}

/**
 * Wraps a real transport so a scenario can tell whether core reached it at all. Several promises
 * are about what happens *before any I/O* (an oversized message, an unsupported delay or ordering
 * request): the only faithful way to check "before I/O" is to see that the transport was never
 * asked. Every call is passed through unchanged.
 */
export function observeTransport(transport: Transport): { transport: Transport; calls: TransportCalls } {
  const calls: TransportCalls = { send: 0, publish: 0, emit: 0, consume: 0, putRule: 0, deleteRule: 0 };
  const observed: Transport = {
    specificationVersion: transport.specificationVersion,
    get name() {
      return transport.name;
    },
    get capabilities() {
      return transport.capabilities;
    },
    get provision() {
      return transport.provision;
    },
    get deadLetterStore() {
      return transport.deadLetterStore;
    },
    connect: () => transport.connect(),
    close: () => transport.close(),
    send(queue, messages, options) {
      calls.send++;
      return transport.send(queue, messages, options);
    },
    publish(topic, messages, options) {
      calls.publish++;
      return transport.publish(topic, messages, options);
    },
    emit(events) {
      calls.emit++;
      return transport.emit(events);
    },
    consume(source, onDelivery, options) {
      calls.consume++;
      return transport.consume(source, onDelivery, options);
    },
    putRule(rule) {
      calls.putRule++;
      return transport.putRule(rule);
    },
    deleteRule(name) {
      calls.deleteRule++;
      return transport.deleteRule(name);
    },
  };
  return { transport: observed, calls };
}
