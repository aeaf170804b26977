import type { Message } from '../message.js';

/**
 * How a consumer reads what arrives.
 *
 * - `'auto'` recognises, in order: an Omnibus message; a CloudEvent in binary content mode (its
 *   attributes under the prefix of a CloudEvents protocol binding: `ce-`, `ce_`, `cloudEvents:` or
 *   `cloudEvents_`); a CloudEvent in structured content mode (`application/cloudevents+json`);
 *   an Amazon EventBridge event as a rule delivers it (`source`, `detail-type`, `detail`).
 *   Anything else is a `DecodeError` and is dead-lettered at once with the reason.
 * - `'raw'` recognises nothing: the handler gets a `RawMessage` with the body and the native
 *   attributes, so any foreign producer can be consumed.
 */
export type EnvelopeMode = 'auto' | 'raw';

/** The format a delivered message was recognised as. */
export type EnvelopeFormat =
  | 'omnibus'
  | 'cloudevents-binary'
  | 'cloudevents-structured'
  | 'eventbridge'
  | 'raw';

/**
 * What a handler of a consumer with `envelope: 'raw'` receives. Nothing is interpreted:
 *
 * - `id` is the broker's message id (SQS `MessageId`, Pub/Sub message id, the AMQP `message-id`
 *   property); a RabbitMQ message without a `message_id` gets a stable id derived from its body and
 *   headers (`sha256:<hex>`), so that retries and idempotency still see one message;
 * - `data` is the body parsed as JSON when it is UTF-8 JSON, otherwise the body's bytes;
 * - `body` is always the body's bytes;
 * - `headers` holds every native attribute or header the broker carried, under its native name;
 * - `type`, `source` and `time` are empty strings: a foreign message has no envelope.
 */
export interface RawMessage extends Message<unknown> {
  readonly envelope: 'raw';
  readonly body: Uint8Array;
}
