#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startEventBridgeEmulator } from './start-eventbridge-emulator.js';

const usage = `Usage: eventbridge-emulator [options]

  --port <n>            port to listen on (default 4010; 0 picks a free one)
  --host <host>         interface to listen on (default 127.0.0.1)
  --sqs-endpoint <url>  SQS endpoint SQS targets are delivered to (e.g. fauxqs)
  --sns-endpoint <url>  SNS endpoint SNS targets are published to
  --region <region>     region in ARNs and events (default us-east-1)
  --account-id <id>     account in ARNs and events (default 000000000000)
  --help                show this text

Prints the endpoint on stdout once listening; stops on SIGINT or SIGTERM.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string' },
      'sqs-endpoint': { type: 'string' },
      'sns-endpoint': { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);

  const emulator = await startEventBridgeEmulator({
    port,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values['sqs-endpoint'] === undefined ? {} : { sqsEndpoint: values['sqs-endpoint'] }),
    ...(values['sns-endpoint'] === undefined ? {} : { snsEndpoint: values['sns-endpoint'] }),
    ...(values.region === undefined ? {} : { region: values.region }),
    ...(values['account-id'] === undefined ? {} : { accountId: values['account-id'] }),
  });
  console.log(`eventbridge-emulator listening on ${emulator.endpoint}`);

  // Failed deliveries are only visible in-process otherwise; a CLI user needs them on stderr.
  let reported = 0;
  const report = setInterval(() => {
    const failures = emulator.deliveryFailures();
    for (const failure of failures.slice(reported)) {
      console.error(`delivery failed: event ${failure.eventId} -> ${failure.targetArn}: ${failure.reason}`);
    }
    reported = failures.length;
  }, 250);
  report.unref();

  const stop = () => {
    clearInterval(report);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(usage);
  process.exit(1);
});
