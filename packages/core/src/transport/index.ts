/**
 * @omnibus/core/transport — the API for transport authors: the transport contract (SPI) types, the
 * envelope codec, the capability checks, secret redaction and the helpers every transport's error
 * mapper shares. Applications import from `@omnibus/core`; only a package that implements
 * {@link Transport} needs this entry point.
 *
 * @packageDocumentation
 */
export type { Capabilities, DeadLetterManagementCapabilities } from './capabilities.js';
export type {
  DeadLetterParent,
  DeadLetterStore,
  LeasedDeadLetter,
  StoredDeadLetter,
} from './dead-letter-store.js';
export type {
  ConnectionChange,
  ConsumeOptions,
  DeadLetterRef,
  Delivery,
  DeliveryHandler,
  FailureInfo,
  QueueRef,
  RuleDefinition,
  RuleTarget,
  SendOptions,
  SourceRef,
  SubscriptionRef,
  Transport,
  TransportFactory,
  TransportFactoryOptions,
  TransportSubscription,
} from './transport.js';
export { checkDelay, checkOrdering } from './check-capabilities.js';

export { Attribute, RESERVED_ATTRIBUTE_PREFIX, type EncodedMessage } from '../message/encoded-message.js';
export {
  isReservedHeader,
  RESERVED_HEADER_NAMES,
  RESERVED_HEADER_PREFIXES,
} from '../message/reserved-headers.js';
export {
  decodeEventView,
  decodeMessage,
  encodedSize,
  encodeMessage,
  toEventView,
  userHeaders,
  withHeaders,
  type EnvelopeDefaults,
} from '../message/encode-message.js';

export { redactSecrets } from '../config/redact.js';
export { isNetworkErrorCode } from '../errors/is-network-error-code.js';
