import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { MessageTooLargeError } from '@omnibus/core';
import { decodeEventView, type EncodedMessage } from '@omnibus/core/transport';
import { AWS_MESSAGE_LIMIT_BYTES } from './aws-capabilities.js';
import { BATCH_RESENDS, MAX_BATCH_ENTRIES } from './aws-batch-limits.js';
import { mapAwsError } from './map-aws-error.js';
import { splitBatches } from './split-batches.js';
import { EVENT_ATTRIBUTES_KEY } from './wire-envelope.js';

interface Entry {
  readonly request: PutEventsRequestEntry;
  readonly size: number;
}

/**
 * Puts events on an EventBridge bus. Each entry is `source` = the message's source,
 * `detail-type` = its type, and `detail` = `{ id, time, subject?, headers, data, "~omnibus":
 * <every attribute> }`: the view fields rule patterns can name (see `translate-event-pattern.ts`)
 * plus what a target needs to rebuild the exact message. Rule targets use `InputPath: $.detail`,
 * and the SQS consumer recognises that body and unwraps it (see `wire-envelope.ts`).
 *
 * An entry over EventBridge's 256 KiB (as it counts: source, detail-type, detail, time) is
 * rejected with `MessageTooLargeError` before anything is sent.
 */
export async function putEvents(
  eventBridge: EventBridgeClient,
  eventBusName: string,
  events: readonly EncodedMessage[],
) {
  const entries = events.map((event) => toEntry(event, eventBusName));
  const batches = splitBatches(entries, (entry) => entry.size, MAX_BATCH_ENTRIES, AWS_MESSAGE_LIMIT_BYTES);
  await Promise.all(batches.map((batch) => putBatch(eventBridge, batch, eventBusName)));
}

function toEntry(event: EncodedMessage, eventBusName: string): Entry {
  const view = decodeEventView(event);
  const detail: Record<string, unknown> = {
    id: view.id,
    time: view.time,
    headers: view.headers,
    data: view.data,
  };
  if (view.subject !== undefined) detail.subject = view.subject;
  detail[EVENT_ATTRIBUTES_KEY] = event.attributes;
  const json = JSON.stringify(detail);
  // EventBridge counts the Time field as 14 bytes whether or not it is given.
  const size = 14 + Buffer.byteLength(view.source) + Buffer.byteLength(view.type) + Buffer.byteLength(json);
  if (size > AWS_MESSAGE_LIMIT_BYTES)
    throw new MessageTooLargeError(size, AWS_MESSAGE_LIMIT_BYTES, { transport: 'aws' });
  return {
    request: { EventBusName: eventBusName, Source: view.source, DetailType: view.type, Detail: json },
    size,
  };
}

async function putBatch(eventBridge: EventBridgeClient, batch: readonly Entry[], eventBusName: string) {
  let pending = batch.map((entry) => entry.request);
  for (let round = 0; ; round++) {
    let results: { ErrorCode?: string; ErrorMessage?: string }[];
    try {
      results = (await eventBridge.send(new PutEventsCommand({ Entries: pending }))).Entries ?? [];
    } catch (error) {
      throw mapAwsError(error, `putting events on the EventBridge bus '${eventBusName}'`);
    }
    // Results are positional; an entry with an ErrorCode was not accepted.
    const failed = pending.filter((_, index) => results[index]?.ErrorCode !== undefined);
    if (failed.length === 0) return;
    const first = results.find((result) => result.ErrorCode !== undefined)!;
    const transient = /Throttl|InternalFailure|ServiceUnavailable/i.test(String(first.ErrorCode));
    if (!transient || round >= BATCH_RESENDS) {
      const error = Object.assign(new Error(first.ErrorMessage ?? 'entry refused'), {
        name: first.ErrorCode ?? 'PutEventsFailed',
      });
      throw mapAwsError(
        error,
        `putting events on the EventBridge bus '${eventBusName}' (${failed.length} of ${pending.length} refused)`,
      );
    }
    pending = failed;
  }
}
