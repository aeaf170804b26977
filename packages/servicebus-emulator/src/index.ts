export {
  type ServiceBusEmulator,
  type ServiceBusEmulatorOptions,
  startServiceBusEmulator,
} from './start-service-bus-emulator.js';
export {
  createManualClock,
  type EmulatorClock,
  type ManualClock,
  systemClock,
  type TimerHandle,
} from './emulator-clock.js';
export type {
  CorrelationRuleFilter,
  DuplicateDetectionOptions,
  QueueOptions,
  ReceivableEntityOptions,
  RuleDefinition,
  SqlRuleFilter,
  SubscriptionOptions,
  TopicOptions,
} from './entity-options.js';
export {
  type ConfigEntityProperties,
  type ConfigRule,
  type EmulatorConfigFile,
  type EntityDefinitions,
  entityDefinitionsFromConfig,
  readEmulatorConfigFile,
} from './emulator-config.js';
