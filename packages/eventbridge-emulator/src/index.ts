/**
 * @omnibus/eventbridge-emulator — an in-memory Amazon EventBridge for tests: the AWS JSON 1.1
 * protocol of `@aws-sdk/client-eventbridge`, EventBridge's pattern semantics (core's engine), and
 * delivery of matched events to SQS and SNS targets through emulator endpoints such as fauxqs.
 */
export {
  startEventBridgeEmulator,
  type EventBridgeEmulator,
  type EventBridgeEmulatorOptions,
} from './start-eventbridge-emulator.js';
export type { DeliveryRecord } from './delivery-tracker.js';
export type { EventEnvelope } from './build-target-input.js';
export { type EmulatorClock, systemClock } from './emulator-clock.js';
