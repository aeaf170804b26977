/**
 * @omnibus/aws — the AWS transport for Omnibus: queues on SQS, topics on SNS, event rules on
 * EventBridge. Use it through a URL (`createBus('aws://?region=eu-west-1')`) or directly with
 * `createAwsTransport(options)`.
 */
import type { TransportFactory } from '@omnibus/core';
import { createAwsTransport } from './aws-transport.js';
import { parseAwsUrl } from './aws-transport-options.js';

export { createAwsTransport } from './aws-transport.js';
export type { AwsTransportOptions } from './aws-transport-options.js';
export { awsCapabilities } from './aws-capabilities.js';

/** What `createBus('aws://…')` loads: the URL's settings plus the bus's provisioning mode. */
export const transportFactory: TransportFactory = (url, options) =>
  createAwsTransport({ ...parseAwsUrl(url), provision: options.provision });
