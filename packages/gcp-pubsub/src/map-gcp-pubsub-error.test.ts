import { ConfigurationError, ConnectionError, InvalidMessageError, OmnibusError } from '@omnibus/core';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, mapGcpPubSubError } from './map-gcp-pubsub-error.js';

const refused =
  '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:8099. Resolution note: ';

/** What google-gax rejects with when its retries of an unreachable endpoint ran out. */
function gaxTimeout(): Error {
  const previous = Array.from(
    { length: 60 },
    () => `{message: ${refused}, code: 14, details: , note: }`,
  ).join(',');
  return Object.assign(
    new Error(
      `Total timeout of API google.pubsub.v1.Publisher exceeded 60000 milliseconds retrying error Error: ${refused}  before any response was received. : Previous errors : [${previous}]`,
    ),
    { code: GrpcStatus.deadlineExceeded },
  );
}

function grpcError(code: number, name: string, details: string): Error {
  return Object.assign(new Error(`${code} ${name}: ${details}`), { code, details });
}

describe('mapGcpPubSubError', () => {
  it('shortens a gax retry timeout to the operation, status, last error and a hint, keeping the cause', () => {
    const cause = gaxTimeout();
    const error = mapGcpPubSubError(cause, {
      action: "creating topic 'x.dlq'",
      emulatorHost: '127.0.0.1:8099',
    });
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.transport).toBe('gcp-pubsub');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      "Pub/Sub was not reachable while creating topic 'x.dlq' (DEADLINE_EXCEEDED: gave up after retrying for 60 s; " +
        'last error: 14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:8099). ' +
        'Is the Pub/Sub emulator running at 127.0.0.1:8099? Start it with: gcloud beta emulators pubsub start --host-port=127.0.0.1:8099',
    );
    expect(error.message).not.toContain('Previous errors');
  });

  it('points at the network, not the emulator, when talking to Google Cloud', () => {
    const error = mapGcpPubSubError(grpcError(GrpcStatus.unavailable, 'UNAVAILABLE', 'Connection dropped'), {
      action: "publishing to topic 'orders'",
    });
    expect(error.message).toBe(
      "Pub/Sub was not reachable while publishing to topic 'orders' (UNAVAILABLE: Connection dropped). " +
        'Check that this machine can reach the Pub/Sub endpoint (network, proxy, firewall), then retry.',
    );
  });

  it('caps a long SDK message and keeps only its first line', () => {
    const error = mapGcpPubSubError(new Error(`${'x'.repeat(2_000)}\nsecond line`), { action: 'doing it' });
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain('…');
    expect(error.message).not.toContain('second line');
    expect(error.retryable).toBe(false);
  });

  it('maps a refused connect probe to an unreachable emulator', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8085'), { code: 'ECONNREFUSED' });
    const error = mapGcpPubSubError(cause, {
      action: 'connecting to the Pub/Sub emulator',
      emulatorHost: '127.0.0.1:8085',
    });
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'Pub/Sub was not reachable while connecting to the Pub/Sub emulator (connect ECONNREFUSED 127.0.0.1:8085). ' +
        'Is the Pub/Sub emulator running at 127.0.0.1:8085? Start it with: gcloud beta emulators pubsub start --host-port=127.0.0.1:8085',
    );
  });

  it('turns configuration problems into ConfigurationError and rejected messages into InvalidMessageError', () => {
    const notFound = mapGcpPubSubError(
      grpcError(GrpcStatus.notFound, 'NOT_FOUND', 'Subscription does not exist'),
      {
        action: "reading subscription 'orders'",
      },
    );
    expect(ConfigurationError.isInstance(notFound)).toBe(true);
    expect(notFound.message).toBe(
      "Pub/Sub: not found while reading subscription 'orders' (NOT_FOUND: Subscription does not exist). Create it, or use provision: 'auto'.",
    );
    const denied = mapGcpPubSubError(grpcError(GrpcStatus.permissionDenied, 'PERMISSION_DENIED', 'no'), {
      action: "creating topic 'orders'",
    });
    expect(ConfigurationError.isInstance(denied)).toBe(true);
    expect(denied.message).toContain('IAM roles');
    const rejected = mapGcpPubSubError(
      grpcError(GrpcStatus.invalidArgument, 'INVALID_ARGUMENT', 'attribute too long'),
      { action: "publishing to topic 'orders'" },
    );
    expect(InvalidMessageError.isInstance(rejected)).toBe(true);
    expect(rejected.retryable).toBe(false);
  });

  it('passes Omnibus errors through unchanged', () => {
    const original = new ConfigurationError('already mapped', { transport: 'gcp-pubsub' });
    expect(mapGcpPubSubError(original, { action: 'anything' })).toBe(original);
    expect(OmnibusError.isInstance(mapGcpPubSubError('text', { action: 'anything' }))).toBe(true);
  });
});
