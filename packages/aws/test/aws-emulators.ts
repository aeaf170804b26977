import { type EventBridgeEmulator, startEventBridgeEmulator } from '@omnibus/eventbridge-emulator';
import { startFauxqs } from 'fauxqs';

/** fauxqs (SQS + SNS) and the EventBridge emulator delivering into it, both in this process. */
export interface AwsEmulators {
  readonly fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  readonly eventBridge: EventBridgeEmulator;
  stop(): Promise<void>;
}

/**
 * The access key id that acts as an AWS service on the EventBridge emulator: `PutEvents` signed
 * with it may put `aws.*` events (S3, EC2…), as AWS services do; every other key is refused them.
 */
export const AWS_SERVICE_CREDENTIALS = { accessKeyId: 'aws-service', secretAccessKey: 'aws-service' };

/** Starts both on free ports; nothing is assumed to be running. */
export async function startAwsEmulators(): Promise<AwsEmulators> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const eventBridge = await startEventBridgeEmulator({
    port: 0,
    sqsEndpoint: fauxqs.address,
    snsEndpoint: fauxqs.address,
    serviceAccessKeyIds: [AWS_SERVICE_CREDENTIALS.accessKeyId],
  });
  return {
    fauxqs,
    eventBridge,
    async stop() {
      await eventBridge.close();
      await fauxqs.stop();
    },
  };
}
