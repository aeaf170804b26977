/**
 * @omnibus/core — portable messaging for TypeScript services: queues, topics with durable
 * subscriptions, content-based event rules and idempotent handling, on any transport.
 */
export { createBus } from './bus/create-bus.js';
export type {
  Bus,
  BusOptions,
  Consumer,
  DeadLetters,
  EventRule,
  Producer,
  ProducerOptions,
  RuleInput,
  SendMessageOptions,
  Topic,
} from './bus/bus-types.js';

export type { Message, MessageInput, EventView } from './message/message.js';
export { FailureHeader } from './message/failure-headers.js';
export {
  isReservedHeader,
  RESERVED_HEADER_NAMES,
  RESERVED_HEADER_PREFIXES,
} from './message/reserved-headers.js';
export { uuidv7 } from './message/uuid-v7.js';

export type {
  BatchConsumerOptions,
  BatchContext,
  BatchHandler,
  BatchItemFailure,
  BatchOptions,
  BatchResult,
} from './consumer/batch-handler.js';
export type { Handler, HandlerContext, Middleware, RawHandler } from './consumer/handler.js';
export type {
  BackoffOptions,
  ConsumerOptions,
  RawConsumerOptions,
  RetryOptions,
} from './consumer/consumer-options.js';
export type { EnvelopeFormat, EnvelopeMode, RawMessage } from './message/envelope/envelope-mode.js';
export { decodeEnvelope } from './message/envelope/decode-envelope.js';
export { backoffDelay } from './consumer/backoff.js';
export {
  defineConsumer,
  isConsumerDefinition,
  type ConsumerDefinition,
  type ConsumerSource,
} from './consumer/define-consumer.js';

export { idempotency, type IdempotencyOptions } from './middleware/idempotency.js';
export type {
  ClaimOptions,
  ClaimResult,
  CompleteOptions,
  IdempotencyStore,
} from './idempotency/idempotency-store.js';
export {
  MemoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from './idempotency/memory-idempotency-store.js';

export {
  defineMessage,
  validateTypedInputs,
  type MessageDefinition,
  type TypedMessageInput,
} from './schema/define-message.js';

export {
  compilePattern,
  compilePatternSet,
  matches,
  validatePattern,
  type CompiledPattern,
  type CompiledPatternSet,
  type EventPattern,
} from './pattern/index.js';
export { PROTOTYPE_KEYS, UNTRUSTED_INPUT_LIMITS } from './limits/untrusted-input-limits.js';

export type { Capabilities, DeadLetterManagementCapabilities } from './transport/capabilities.js';
export type { DeadLetterOperations } from './dead-letters/create-dead-letters.js';
export type {
  DeadLetterCount,
  DeadLetterMessage,
  DeadLetterProgress,
  DeadLetterSelection,
  FailureEnvelope,
  PeekOptions,
  PurgeOptions,
  PurgeResult,
  RedriveOptions,
  RedriveResult,
} from './dead-letters/dead-letter-types.js';
export { readDeadLetter } from './dead-letters/read-dead-letter.js';
// What an application sees of a transport: the object `createBus` accepts and what it can do.
// Everything a transport author needs to implement one is in `@omnibus/core/transport`.
export type { Transport, TransportFactory, TransportFactoryOptions } from './transport/transport.js';

export {
  createTransportFromUrl,
  registerTransport,
  type TransportLoader,
} from './config/transport-registry.js';

export { createConsoleLogger, type Logger } from './logger/logger.js';

export { TraceContextAttribute } from './telemetry/trace-context-attribute.js';
export type {
  MeterProviderLike,
  TelemetryOptions,
  TracerProviderLike,
} from './telemetry/telemetry-options.js';
export type { BusEventListener, BusEventName, BusEvents } from './telemetry/bus-events.js';
export type { SendOperation } from './telemetry/bus-telemetry.js';

export * from './errors/index.js';
