/**
 * `messaging.system` for each built-in transport, as the OpenTelemetry messaging semantic
 * conventions name the brokers. The memory transport is no broker: it reports `omnibus_memory`.
 * Another transport reports its own name.
 */
const SYSTEMS: Readonly<Record<string, string>> = {
  memory: 'omnibus_memory',
  rabbitmq: 'rabbitmq',
  aws: 'aws_sqs',
  'gcp-pubsub': 'gcp_pubsub',
  'azure-service-bus': 'servicebus',
};

/** The `messaging.system` attribute value for a transport name. */
export function messagingSystem(transportName: string): string {
  return SYSTEMS[transportName] ?? transportName;
}
