import { describe, expect, it } from 'vitest';
import { DecodeError, InvalidMessageError } from '../errors/index.js';
import { Attribute } from './encoded-message.js';
import { decodeMessage, encodedSize, encodeMessage, toEventView } from './encode-message.js';

const defaults = { source: 'orders-service' };

describe('encodeMessage / decodeMessage', () => {
  it('round-trips every envelope field and the headers', () => {
    const encoded = encodeMessage(
      {
        id: 'm-1',
        type: 'OrderPlaced',
        source: 'web',
        subject: 'order-7',
        time: '2026-01-02T03:04:05.000Z',
        data: { orderId: 'o-7', total: 12.5, items: ['a', 'b'], note: 'héllo ✓' },
        headers: { tenant: 'acme', 'x-trace': 'abc' },
        correlationId: 'c-1',
        causationId: 'm-0',
        key: 'customer-9',
      },
      defaults,
    );
    const message = decodeMessage(encoded, 3);
    expect(message).toEqual({
      id: 'm-1',
      type: 'OrderPlaced',
      source: 'web',
      subject: 'order-7',
      time: '2026-01-02T03:04:05.000Z',
      data: { orderId: 'o-7', total: 12.5, items: ['a', 'b'], note: 'héllo ✓' },
      headers: { tenant: 'acme', 'x-trace': 'abc' },
      correlationId: 'c-1',
      causationId: 'm-0',
      key: 'customer-9',
      attempt: 3,
    });
    expect(encoded.key).toBe('customer-9');
    expect(encoded.attributes[Attribute.specVersion]).toBe('1.0');
  });

  it('fills id (UUIDv7), time and source, and stamps defaults for correlation', () => {
    const encoded = encodeMessage(
      { type: 'Ping', data: null },
      { source: 's', correlationId: 'c', causationId: 'x' },
    );
    const message = decodeMessage(encoded, 1);
    expect(message.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(message.time)).not.toBeNaN();
    expect(message.source).toBe('s');
    expect(message.correlationId).toBe('c');
    expect(message.causationId).toBe('x');
    expect(message.data).toBeNull();
  });

  it('rejects input no transport could carry, with a typed error', () => {
    expect(() => encodeMessage({ type: '', data: 1 }, defaults)).toThrow(InvalidMessageError);
    expect(() => encodeMessage({ type: 'A' } as never, defaults)).toThrow(/no 'data'/);
    expect(() => encodeMessage({ type: 'A', data: 1, headers: { n: 1 as never } }, defaults)).toThrow(
      /must be a string/,
    );
    expect(() => encodeMessage({ type: 'A', data: 1, headers: { 'ce-id': 'x' } }, defaults)).toThrow(
      /reserved prefix/,
    );
    for (const name of [
      'x-omnibus-attempt',
      'OMNIBUS-ERROR',
      'cloudEvents:id',
      'ce_type',
      'x-death',
      'X-Delivery-Count',
    ]) {
      expect(() => encodeMessage({ type: 'A', data: 1, headers: { [name]: '9' } }, defaults)).toThrow(
        new RegExp(`Header '${name}' .*reserved`),
      );
    }
    for (const name of ['x-forged', 'omnibus', 'x-deathly', 'cex', 'traceparent']) {
      expect(encodeMessage({ type: 'A', data: 1, headers: { [name]: 'v' } }, defaults).attributes[name]).toBe(
        'v',
      );
    }
    expect(() => encodeMessage({ type: 'A', data: 10n as never }, defaults)).toThrow(/JSON-serialisable/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeMessage({ type: 'A', data: cyclic }, defaults)).toThrow(InvalidMessageError);
  });

  it('throws DecodeError for a body that is not JSON or not UTF-8', () => {
    const good = encodeMessage({ type: 'A', data: 1 }, defaults);
    expect(() => decodeMessage({ ...good, body: Buffer.from('{not json') }, 1)).toThrow(DecodeError);
    expect(() => decodeMessage({ ...good, body: Uint8Array.from([0xff, 0xfe]) }, 1)).toThrow(DecodeError);
    expect(() => decodeMessage({ ...good, attributes: {} }, 1)).toThrow(/no type attribute/);
  });

  it('measures size as body plus attribute names and values in bytes', () => {
    const encoded = encodeMessage({ id: 'i', type: 'T', source: 's', time: 't', data: 'é' }, defaults);
    let expected = Buffer.byteLength('"é"');
    for (const [name, value] of Object.entries(encoded.attributes))
      expected += name.length + Buffer.byteLength(value);
    expect(encodedSize(encoded)).toBe(expected);
  });

  it('gives rules the envelope JSON view', () => {
    const message = decodeMessage(
      encodeMessage({ id: 'i', type: 'T', data: { a: 1 }, headers: { h: 'v' } }, defaults),
      1,
    );
    expect(toEventView(message)).toEqual({
      id: 'i',
      type: 'T',
      source: 'orders-service',
      time: message.time,
      data: { a: 1 },
      headers: { h: 'v' },
    });
  });
});
