import { CloudEvent, HTTP, Kafka } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../errors/index.js';
import { encodeMessage } from '../encode-message.js';
import type { EncodedMessage } from '../encoded-message.js';
import { decodeEnvelope } from './decode-envelope.js';

const event = new CloudEvent({
  id: 'evt-1',
  type: 'com.example.order.placed',
  source: '/orders',
  subject: 'order-7',
  time: '2026-01-02T03:04:05.000Z',
  datacontenttype: 'application/json',
  data: { orderId: 7 },
  tenant: 'acme',
});

function binary(prefix: string, extra: Record<string, string> = {}): EncodedMessage {
  const attributes: Record<string, string> = { ...extra };
  for (const [name, value] of Object.entries(event.toJSON())) {
    if (name === 'data') continue;
    attributes[prefix + name] = String(value);
  }
  return { id: '', attributes, body: Buffer.from(JSON.stringify(event.data)) };
}

describe('decodeEnvelope (auto)', () => {
  it('reads an Omnibus message as before', () => {
    const encoded = encodeMessage(
      { type: 'OrderPlaced', data: { n: 1 }, headers: { a: 'b' } },
      { source: 's' },
    );
    const message = decodeEnvelope(encoded, 2, 'auto');
    expect(message).toMatchObject({
      type: 'OrderPlaced',
      source: 's',
      data: { n: 1 },
      headers: { a: 'b' },
      attempt: 2,
    });
  });

  it.each(['ce-', 'ce_', 'cloudEvents:', 'cloudEvents_'])(
    'reads binary mode under the %s prefix',
    (prefix) => {
      const message = decodeEnvelope(binary(prefix, { 'x-native': 'kept' }), 1, 'auto');
      expect(message).toMatchObject({
        id: 'evt-1',
        type: 'com.example.order.placed',
        source: '/orders',
        subject: 'order-7',
        time: '2026-01-02T03:04:05.000Z',
        data: { orderId: 7 },
        headers: { tenant: 'acme', 'x-native': 'kept' },
      });
    },
  );

  it('reads the HTTP and Kafka bindings exactly as the official SDK writes them', () => {
    const http = HTTP.binary(event);
    const fromHttp = decodeEnvelope(
      { id: '', attributes: http.headers as Record<string, string>, body: Buffer.from(String(http.body)) },
      1,
      'auto',
    );
    expect(fromHttp).toMatchObject({ id: 'evt-1', data: { orderId: 7 }, headers: { tenant: 'acme' } });
    const kafka = Kafka.binary(event);
    // The SDK leaves absent attributes as undefined headers and the value as the data object.
    const headers = Object.fromEntries(
      Object.entries(kafka.headers)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, String(value)]),
    );
    const body = Buffer.from(JSON.stringify(kafka.value));
    const fromKafka = decodeEnvelope({ id: '', attributes: headers, body }, 1, 'auto');
    expect(fromKafka).toMatchObject({ id: 'evt-1', type: 'com.example.order.placed', data: { orderId: 7 } });
    expect(fromKafka.headers['content-type']).toBeUndefined();
  });

  it('takes datacontenttype from the native content type and keeps non-JSON data as text or bytes', () => {
    const { 'ce-datacontenttype': _json, ...attributes } = binary('ce-').attributes;
    const text = decodeEnvelope(
      { id: '', attributes, body: Buffer.from('hello'), contentType: 'text/plain' },
      1,
      'auto',
    );
    expect(text.data).toBe('hello');
    const bytes = decodeEnvelope(
      { id: '', attributes, body: Uint8Array.from([1, 2, 255]), contentType: 'application/octet-stream' },
      1,
      'auto',
    );
    expect(bytes.data).toEqual(Uint8Array.from([1, 2, 255]));
  });

  it('reads structured mode by content type, and by shape when there is no content type', () => {
    const structured = HTTP.structured(event);
    const body = Buffer.from(String(structured.body));
    const byType = decodeEnvelope(
      { id: 'native', attributes: {}, body, contentType: 'application/cloudevents+json; charset=utf-8' },
      1,
      'auto',
    );
    expect(byType).toMatchObject({
      id: 'evt-1',
      source: '/orders',
      data: { orderId: 7 },
      headers: { tenant: 'acme' },
    });
    expect(decodeEnvelope({ id: 'native', attributes: {}, body }, 1, 'auto').id).toBe('evt-1');
    const base64 = new CloudEvent({ id: 'b', type: 't', source: '/s', data: Buffer.from([9, 8]) });
    const binaryData = decodeEnvelope(
      {
        id: '',
        attributes: { 'Content-Type': 'application/cloudevents+json' },
        body: Buffer.from(JSON.stringify(base64.toJSON())),
      },
      1,
      'auto',
    );
    expect(binaryData.data).toEqual(Uint8Array.from([9, 8]));
  });

  it('refuses the batched mode and other event formats with the reason', () => {
    const batch = {
      id: '',
      attributes: {},
      body: Buffer.from('[]'),
      contentType: 'application/cloudevents-batch+json',
    };
    expect(() => decodeEnvelope(batch, 1, 'auto')).toThrow(/batched content mode/);
    const avro = {
      id: '',
      attributes: {},
      body: Buffer.from('x'),
      contentType: 'application/cloudevents+avro',
    };
    expect(() => decodeEnvelope(avro, 1, 'auto')).toThrow(/event format/);
  });

  it('reads an EventBridge event as a rule delivers it', () => {
    const s3 = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2021-11-12T00:00:00Z',
      region: 'ca-central-1',
      resources: ['arn:aws:s3:::example-bucket'],
      detail: { bucket: { name: 'example-bucket' }, object: { key: 'example-key', size: 5 } },
    };
    const message = decodeEnvelope(
      { id: 'sqs-id', attributes: {}, body: Buffer.from(JSON.stringify(s3)) },
      1,
      'auto',
    );
    expect(message).toMatchObject({
      id: s3.id,
      type: 'Object Created',
      source: 'aws.s3',
      time: s3.time,
      data: s3.detail,
      headers: {},
    });
  });

  it('dead-letters anything else with a DecodeError saying why', () => {
    const garbage = { id: 'x', attributes: { foo: 'bar' }, body: Buffer.from('{"hello":1}') };
    expect(() => decodeEnvelope(garbage, 1, 'auto')).toThrow(DecodeError);
    expect(() => decodeEnvelope(garbage, 1, 'auto')).toThrow(/not an Omnibus message.*foo.*envelope: 'raw'/);
    const wrongVersion = binary('ce_', {});
    expect(() =>
      decodeEnvelope(
        { ...wrongVersion, attributes: { ...wrongVersion.attributes, ce_specversion: '0.3' } },
        1,
        'auto',
      ),
    ).toThrow(/only CloudEvents 1.x/);
    const declaredJson = { ...binary('cloudEvents:'), body: Buffer.from('{oops') };
    expect(() => decodeEnvelope(declaredJson, 1, 'auto')).toThrow(/not valid UTF-8 JSON/);
  });
});

describe('decodeEnvelope (raw)', () => {
  it('hands over parsed JSON or bytes, the native attributes and the broker id', () => {
    const json = decodeEnvelope(
      { id: 'm-1', attributes: { a: '1' }, body: Buffer.from('{"x":1}') },
      3,
      'raw',
    );
    expect(json).toMatchObject({
      envelope: 'raw',
      id: 'm-1',
      type: '',
      data: { x: 1 },
      headers: { a: '1' },
      attempt: 3,
    });
    const bytes = decodeEnvelope({ id: 'm-2', attributes: {}, body: Uint8Array.from([0xff]) }, 1, 'raw');
    expect(bytes.data).toEqual(Uint8Array.from([0xff]));
  });

  it('derives a stable id when the broker gave none', () => {
    const first = decodeEnvelope(
      { id: '', attributes: { b: '2', a: '1' }, body: Buffer.from('x') },
      1,
      'raw',
    );
    const again = decodeEnvelope(
      { id: '', attributes: { a: '1', b: '2' }, body: Buffer.from('x') },
      2,
      'raw',
    );
    const other = decodeEnvelope(
      { id: '', attributes: { a: '1', b: '2' }, body: Buffer.from('y') },
      1,
      'raw',
    );
    expect(first.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });
});
