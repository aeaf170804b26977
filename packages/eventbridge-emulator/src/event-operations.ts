import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from './build-target-input.js';
import { EventBridgeError } from './eventbridge-error.js';
import type { StoredEventBus } from './eventbridge-state.js';
import type { Operation } from './operation.js';
import { parseEventPattern } from './parse-event-pattern.js';
import { readRequestParams } from './request-params.js';

/** AWS's limit on the summed size of a PutEvents request's entries (hence also of any one entry). */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

// EventBridge's documented entry size: 14 bytes for a Time, plus the UTF-8 bytes of the rest.
const entrySize = (entry: Record<string, unknown>) =>
  (entry.Time === undefined ? 0 : 14) +
  [entry.Source, entry.DetailType, entry.Detail, ...(Array.isArray(entry.Resources) ? entry.Resources : [])]
    .filter((part): part is string => typeof part === 'string')
    .reduce((sum, part) => sum + Buffer.byteLength(part), 0);

// Seconds precision, as in every EventBridge envelope: 2017-12-22T18:43:48Z.
const isoSeconds = (epochMs: number) =>
  new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** PutEvents and TestEventPattern. */
export const eventOperations: Record<string, Operation> = {
  PutEvents(params, context) {
    const entries = params.requiredList('Entries', { min: 1, max: 10 });
    const records = entries.map((entry) => {
      // Rejects an entry that is not a structure, as the SDK's serializer never produces one.
      readRequestParams(entry);
      return entry as Record<string, unknown>;
    });
    if (records.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_PUT_EVENTS_BYTES) {
      throw new EventBridgeError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }

    const { state, clock } = context;
    const ingestedAt = clock.now();
    const results: EntryResult[] = records.map((entry) => {
      const fields = readRequestParams(entry);
      for (const member of ['Source', 'DetailType', 'Detail'] as const) {
        const value = fields.raw(member);
        if (typeof value !== 'string' || value === '') {
          return {
            ErrorCode: 'InvalidArgument',
            ErrorMessage: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
          };
        }
      }
      const source = entry.Source as string;
      // As on AWS, only AWS services emit `aws.*` events (here: callers signing with a service key).
      const asService =
        context.callerAccessKeyId !== undefined && context.serviceAccessKeyIds.has(context.callerAccessKeyId);
      if (source.startsWith('aws.') && !asService) {
        return {
          ErrorCode: 'NotAuthorizedForSourceException',
          ErrorMessage: 'Not authorized for the source.',
        };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail as string);
      } catch {
        detail = undefined;
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      let bus: StoredEventBus;
      try {
        bus = state.getBus(typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined);
      } catch (error) {
        return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: (error as Error).message };
      }
      const resources = Array.isArray(entry.Resources) ? entry.Resources.map(String) : [];
      // The JSON 1.1 protocol sends timestamps as epoch seconds; accept ISO text too.
      const time =
        typeof entry.Time === 'number'
          ? entry.Time * 1000
          : typeof entry.Time === 'string'
            ? Date.parse(entry.Time)
            : ingestedAt;
      if (Number.isNaN(time)) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
      }

      const event: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source,
        account: state.accountId,
        time: isoSeconds(time),
        region: state.region,
        resources,
        detail,
      };
      for (const rule of bus.rules.values()) {
        if (rule.state === 'DISABLED' || !rule.match?.(event)) continue;
        for (const target of rule.targets.values()) {
          context.deliver({
            event,
            ruleArn: rule.arn,
            ruleName: rule.name,
            target: structuredClone(target),
            ingestionTime: new Date(ingestedAt).toISOString(),
          });
        }
      }
      return { EventId: event.id };
    });

    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  },

  TestEventPattern(params) {
    const match = parseEventPattern(params.requiredString('EventPattern', { max: 4096 }));
    let event: unknown;
    try {
      event = JSON.parse(params.requiredString('Event'));
    } catch {
      throw new EventBridgeError('ValidationException', 'Parameter Event is not valid.');
    }
    // AWS also requires the envelope fields (id, source, time, ...) here; the emulator matches any
    // JSON object, so patterns can be tried on bare documents.
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new EventBridgeError(
        'ValidationException',
        'Parameter Event is not valid. Reason: Event is not a JSON object.',
      );
    }
    return { Result: match(event) };
  },
};
