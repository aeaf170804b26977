// Names whose value is a secret wherever they appear as `name=value` (query strings, Service Bus and
// storage connection strings, PostgreSQL key/value strings) or `name: value` (inspected options).
const SECRET_NAMES =
  'SharedAccessKey|SharedAccessSignature|AccountKey|secretAccessKey|sessionToken|aws_secret_access_key|aws_session_token|password|passwd|pwd|secret|token';
// The value: quoted (with escapes) or bare up to a separator.
const VALUE = `('(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*"|[^;&\\s,"'}]+)`;
const SECRET_PAIR = new RegExp(`(\\b(?:${SECRET_NAMES})["']?\\s*[=:]\\s*)${VALUE}`, 'gi');
// A bare `key=` is an API key in a query string; `key:` is too common in ordinary text to redact.
const KEY_PAIR = new RegExp(`(\\bkey\\s*=\\s*)${VALUE}`, 'gi');

// The password of any `scheme://user:password@host` in the text, with or without a user
// (`redis://:password@host`); greedy up to the last `@` of the authority, as URL parsers read it.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^/?#\s]*)@/gi;

/**
 * Removes secrets from any text before it reaches an error message, a log line or a dead-letter
 * header: the password of every URL in it (`amqp://user:***@`, `redis://:***@`, `rediss://`,
 * `postgres://`), and the value of `SharedAccessKey`, `AccountKey`, `password`, `token`,
 * `secretAccessKey`, `sessionToken` and similar pairs, written `name=value` or `name: value`.
 * The one redaction every Omnibus package uses.
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(SECRET_PAIR, '$1***').replace(KEY_PAIR, '$1***');
}
