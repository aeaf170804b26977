import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ConsumerDefinition, DecodeError } from '@omnibus/core';
import { readPushEnvelope } from './push-envelope.js';
import { createPushDeliveryRunner, type PushOutcome } from './push-delivery-runner.js';
import type { PubSubFunctionOptions } from './pubsub-function-options.js';

/**
 * A request handler for node:http, Express-like frameworks (Express, the Functions Framework's
 * `http` functions) and Cloud Run. A framework that parsed the JSON body already (`request.body`)
 * is read from there; otherwise the body is read from the request stream.
 */
export type PubSubPushHandler = (
  request: IncomingMessage & { body?: unknown },
  response: ServerResponse,
) => Promise<void>;

/** Pub/Sub acks on 102, 200, 201, 202 and 204 and nacks on any other status. */
const STATUS: Record<PushOutcome, number> = { ack: 204, retry: 503, unsettled: 500 };
/** A push request carries one message of at most 10 MB, base64 in JSON. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * An HTTP handler for a Pub/Sub push subscription (wrapped payload, the default), running each
 * pushed message through the same runtime as `bus.consumer(definition)`:
 *
 * - handled: `204`, which acks;
 * - a retry (a thrown error, attempts left): `503`, which nacks; Pub/Sub redelivers after the
 *   subscription's retry policy backoff (a push subscription cannot delay one message, so the
 *   definition's backoff does not apply). The attempt is the envelope's `deliveryAttempt`, which
 *   Pub/Sub sets when the subscription has a dead-letter policy; without one it is the count this
 *   instance saw;
 * - a dead letter (`PermanentError`, an undecodable message, a schema failure, the last attempt):
 *   published to the dead-letter topic with the failure headers, confirmed, then `204`;
 * - a settle that failed (the dead-letter topic unreachable): `500`, so Pub/Sub redelivers;
 * - a body that is not a push envelope: `400` (Pub/Sub would redeliver it too, but it did not come
 *   from a wrapped push subscription).
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { createBus } from '@omnibus/core';
 * import { createPubSubPushHandler } from '@omnibus/gcp-pubsub/functions';
 * import { reserveStock } from './consumers.js';
 *
 * const bus = createBus({ transport: 'gcp-pubsub://', source: 'stock', provision: 'never' });
 * createServer(createPubSubPushHandler(reserveStock, { bus })).listen(Number(process.env.PORT ?? 8080));
 * ```
 */
export function createPubSubPushHandler<T>(
  definition: ConsumerDefinition<T>,
  options: PubSubFunctionOptions,
): PubSubPushHandler {
  const run = createPushDeliveryRunner(definition, options, 'createPubSubPushHandler');
  return async (request, response) => {
    let outcome: PushOutcome;
    try {
      const envelope = readPushEnvelope(await readJsonBody(request));
      outcome = await run(envelope, envelope);
    } catch (error) {
      if (!response.headersSent) {
        response.statusCode = DecodeError.isInstance(error) ? 400 : 500;
        response.setHeader('content-type', 'text/plain; charset=utf-8');
      }
      response.end(error instanceof Error ? `${error.name}: ${error.message}` : 'Error');
      return;
    }
    response.statusCode = STATUS[outcome];
    response.end();
  };
}

/** The parsed JSON body: the framework's when it parsed one, else read from the stream. */
async function readJsonBody(request: IncomingMessage & { body?: unknown }): Promise<unknown> {
  const parsed = request.body;
  if (parsed !== undefined && !(parsed instanceof Uint8Array) && typeof parsed !== 'string') return parsed;
  let text: string;
  if (parsed !== undefined) {
    text = typeof parsed === 'string' ? parsed : Buffer.from(parsed).toString('utf8');
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES)
        throw new DecodeError(`The push request body exceeds ${MAX_BODY_BYTES} bytes.`, {
          transport: 'gcp-pubsub',
        });
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DecodeError('The push request body is not JSON.', { transport: 'gcp-pubsub' });
  }
}
