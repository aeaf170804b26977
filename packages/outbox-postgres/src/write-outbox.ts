import {
  type Bus,
  InvalidMessageError,
  MessageTooLargeError,
  type MessageInput,
  uuidv7,
  validateTypedInputs,
} from '@omnibus/core';
import { checkOrdering, encodedSize, encodeMessage } from '@omnibus/core/transport';
import { mapPostgresError } from './map-postgres-error.js';
import type { OutboxClient } from './outbox-options.js';
import type { OutboxStatements } from './outbox-statements.js';
import { notifyChannel, qualified, type TableName } from './outbox-tables.js';

/** Where an outbox row goes. */
export type OutboxDestination =
  | { readonly kind: 'queue'; readonly name: string; readonly ordering: 'key' | 'none' }
  | { readonly kind: 'topic'; readonly name: string }
  | { readonly kind: 'event' };

/** The message as stored: every envelope field the bus would otherwise stamp at send is fixed. */
export type StoredEnvelope = MessageInput & { id: string; time: string; source: string };

/**
 * Validates messages as the bus would at send (schema, envelope, size against the transport's
 * limit, ordering against its capabilities), fixes their id, time and source, and inserts them into
 * the outbox in the caller's transaction. Nothing is written unless every message is valid.
 * Resolves to the ids of the messages, in order.
 */
export async function writeOutbox(
  client: OutboxClient,
  bus: Bus,
  name: TableName,
  statements: OutboxStatements,
  destination: OutboxDestination,
  inputs: readonly MessageInput[],
  delayMs: number | undefined,
): Promise<readonly string[]> {
  if (!client || typeof client.query !== 'function') {
    throw new InvalidMessageError(
      'The outbox needs the pg client of your open transaction as its first argument (await client.query("BEGIN") first).',
    );
  }
  if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)) {
    throw new InvalidMessageError(
      `delayMs must be a finite number of milliseconds >= 0; got ${String(delayMs)}.`,
    );
  }
  if (destination.kind === 'queue') checkOrdering(bus.capabilities, bus.transportName, destination.ordering);
  if (inputs.length === 0) return [];

  const validated = await validateTypedInputs(inputs);
  const time = new Date().toISOString();
  const max = bus.capabilities.maxMessageBytes;
  const envelopes: string[] = [];
  const ids: string[] = [];
  const keys: (string | null)[] = [];
  for (const input of validated) {
    const envelope = fixEnvelope(input, bus.source, time);
    // Encoding checks the envelope exactly as the bus will when the relay sends it.
    const size = encodedSize(encodeMessage(envelope, { source: envelope.source, time }));
    if (size > max) throw new MessageTooLargeError(size, max, { transport: bus.transportName });
    envelopes.push(JSON.stringify(envelope));
    ids.push(envelope.id);
    keys.push(envelope.key ?? null);
  }

  const table = qualified(name);
  const lockNames = [...new Set(keys.filter((key): key is string => key !== null))].map(
    (key) => `${table}:${key}`,
  );
  const count = ids.length;
  const fill = <T>(value: T) => new Array<T>(count).fill(value);
  try {
    if (lockNames.length > 0) await client.query(statements.lockKeys, [lockNames]);
    await client.query(statements.insert, [
      ids,
      fill(destination.kind),
      fill(destination.kind === 'event' ? null : destination.name),
      fill(destination.kind === 'queue' ? destination.ordering : 'none'),
      keys,
      envelopes,
      fill(delayMs ?? 0),
      notifyChannel(name),
    ]);
  } catch (error) {
    throw mapPostgresError(error, 'writing to the outbox', table);
  }
  return ids;
}

/** The message with what the bus would stamp at send fixed now, so every relay sends it the same. */
function fixEnvelope(input: MessageInput, source: string, time: string): StoredEnvelope {
  if (input === null || typeof input !== 'object') {
    throw new InvalidMessageError("A message must be an object with 'type' and 'data'.");
  }
  const envelope: StoredEnvelope = {
    ...input,
    id: input.id ?? uuidv7(),
    time: input.time ?? time,
    source: input.source ?? source,
  };
  // `attempt` is read-only on receive; a copy of a received message must not carry it.
  delete (envelope as { attempt?: unknown }).attempt;
  return envelope;
}
