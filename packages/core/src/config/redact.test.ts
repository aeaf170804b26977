import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.js';

const SECRET = 's3cr3t-Value';

describe('redactSecrets', () => {
  it.each([
    [
      'redis without a user',
      `While connecting to redis://:${SECRET}@127.0.0.1:1`,
      'redis://:***@127.0.0.1:1',
    ],
    ['redis with a user', `redis://default:${SECRET}@host:6379/0`, 'redis://default:***@host:6379/0'],
    ['rediss', `failed: rediss://user:${SECRET}@cache.example:6380`, 'rediss://user:***@cache.example:6380'],
    ['a password holding @', `rediss://:${SECRET}@x@host`, 'rediss://:***@host'],
    ['amqp', `amqp://guest:${SECRET}@127.0.0.1:5672/vhost`, 'amqp://guest:***@127.0.0.1:5672/vhost'],
    ['amqps', `amqps://u:${SECRET}@mq.example`, 'amqps://u:***@mq.example'],
    ['postgres URL', `postgres://app:${SECRET}@db/orders?sslmode=require`, 'postgres://app:***@db/orders'],
    ['postgres key/value', `host=db user=app password=${SECRET} dbname=orders`, 'password=*** dbname'],
    ['postgres quoted key/value', `password='${SECRET} x' host=db`, 'password=*** host=db'],
    [
      'Service Bus',
      `Endpoint=sb://ns/;SharedAccessKeyName=root;SharedAccessKey=${SECRET}=`,
      'SharedAccessKey=***',
    ],
    [
      'AWS keys in options',
      `{ accessKeyId: 'AKIA', secretAccessKey: '${SECRET}', sessionToken: "${SECRET}" }`,
      'secretAccessKey: ***, sessionToken: ***',
    ],
    ['JSON', `{"password":"${SECRET}"}`, '"password":***'],
    ['query token', `aws://?region=eu&token=${SECRET}`, 'aws://?region=eu&token=***'],
  ])('redacts %s', (_name, text, kept) => {
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toContain(kept);
  });

  it('leaves text without secrets alone', () => {
    for (const text of [
      'memory://',
      'amqp://127.0.0.1:5672',
      'http://host:8080/path',
      'Skipping duplicate of message 1 (idempotency key order-1).',
      'message key: order-1',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});
