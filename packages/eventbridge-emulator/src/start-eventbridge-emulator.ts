import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { busOperations } from './bus-operations.js';
import { createDeliveryTracker, type DeliveryRecord } from './delivery-tracker.js';
import { type EmulatorClock, systemClock } from './emulator-clock.js';
import { eventOperations } from './event-operations.js';
import { createEventBridgeState } from './eventbridge-state.js';
import { createAwsJsonHandler } from './handle-aws-json-request.js';
import type { Operation } from './operation.js';
import { ruleOperations } from './rule-operations.js';
import { createTargetSender } from './send-to-target.js';
import { targetOperations } from './target-operations.js';

/** Options of {@link startEventBridgeEmulator}. All are optional. */
export interface EventBridgeEmulatorOptions {
  /** TCP port. `0` picks a free one; read it back from {@link EventBridgeEmulator.port}. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /**
   * Endpoint of the SQS service that SQS targets are delivered to (for example fauxqs). Without it,
   * deliveries to SQS targets are recorded as failures. The emulator never calls real AWS.
   */
  sqsEndpoint?: string;
  /** Endpoint of the SNS service that SNS targets are published to. Same rules as `sqsEndpoint`. */
  snsEndpoint?: string;
  /** Region written into ARNs and event envelopes. @default 'us-east-1' */
  region?: string;
  /** Account id written into ARNs and event envelopes (fauxqs uses the same one). @default '000000000000' */
  accountId?: string;
  /** Source of time for event `time` fields and bus timestamps. @default the system clock */
  clock?: EmulatorClock;
  /**
   * Access key ids that act as AWS services. `PutEvents` signed with one of them may use an
   * `aws.*` source, which every other caller is refused (`NotAuthorizedForSourceException`, as on
   * AWS), so a test can put the events S3, EC2… emit with the plain EventBridge SDK client.
   * @default none
   */
  serviceAccessKeyIds?: readonly string[];
}

/** A running emulator. Point `EventBridgeClient` at `endpoint` with any credentials. */
export interface EventBridgeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:49731`. */
  readonly endpoint: string;
  /** The port actually bound. */
  readonly port: number;
  /**
   * Resolves once no delivery is in flight. PutEvents answers before its targets are delivered, as
   * on AWS, so a test awaits this before reading the target queue.
   */
  idle(): Promise<void>;
  /** Every delivery attempt so far, delivered or failed, in order of completion. */
  deliveries(): readonly DeliveryRecord[];
  /** The failed entries of {@link EventBridgeEmulator.deliveries}, each with its `reason`. */
  deliveryFailures(): readonly DeliveryRecord[];
  /** Stops listening, waits for pending deliveries and releases the delivery clients. Idempotent. */
  close(): Promise<void>;
}

const operations: Record<string, Operation> = {
  ...busOperations,
  ...ruleOperations,
  ...targetOperations,
  ...eventOperations,
};

/**
 * Starts an in-memory Amazon EventBridge emulator speaking the AWS JSON 1.1 protocol of
 * `@aws-sdk/client-eventbridge`, delivering matched events to SQS and SNS targets through the
 * endpoints given. State lives only as long as the emulator.
 *
 * @example
 * ```ts
 * const emulator = await startEventBridgeEmulator({ sqsEndpoint: fauxqs.address });
 * const client = new EventBridgeClient({
 *   endpoint: emulator.endpoint,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
 * });
 * ```
 */
export async function startEventBridgeEmulator(
  options: EventBridgeEmulatorOptions = {},
): Promise<EventBridgeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const state = createEventBridgeState({
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    now: clock.now(),
  });
  const sender = createTargetSender({
    ...(options.sqsEndpoint === undefined ? {} : { sqsEndpoint: options.sqsEndpoint }),
    ...(options.snsEndpoint === undefined ? {} : { snsEndpoint: options.snsEndpoint }),
  });
  const tracker = createDeliveryTracker(sender);
  const handle = createAwsJsonHandler(operations, {
    state,
    clock,
    deliver: tracker.deliver,
    serviceAccessKeyIds: new Set(options.serviceAccessKeyIds ?? []),
  });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is reachable on loopback; IPv6 literals need brackets in a URL.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${urlHost}:${port}`,
    port,
    idle: () => tracker.idle(),
    deliveries: () => [...tracker.records],
    deliveryFailures: () => tracker.records.filter((record) => record.outcome === 'failed'),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await stopped;
        await tracker.idle();
        sender.destroy();
      })();
      return closing;
    },
  };
}
