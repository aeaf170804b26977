/**
 * A message as transports carry it: a JSON body plus string attributes. Transports move these bytes
 * and attributes verbatim; core alone encodes and decodes them (see `encode-message.ts`), so the
 * envelope means the same on every broker.
 *
 * Attribute names follow the CloudEvents binary content mode (`ce-id`, `ce-type`, …). User headers
 * sit beside them under their own names; a user header may not use a reserved name (`reserved-headers.ts`).
 */
export interface EncodedMessage {
  /** The message id (also in `attributes['ce-id']`), for transports that deduplicate or log by id. */
  readonly id: string;
  /** The ordering key (also in `attributes['ce-partitionkey']`), for transports that order by key. */
  readonly key?: string;
  /** Envelope attributes and user headers, all strings, ready to be native message headers. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The UTF-8 JSON of `data` (on receive: whatever body the producer sent). */
  readonly body: Uint8Array;
  /**
   * On receive, the broker's native content type where it has such a property (AMQP
   * `content-type`), so foreign CloudEvents in structured mode can be recognised. Core never
   * needs it on send: an Omnibus body is always JSON.
   */
  readonly contentType?: string;
}

/** Attribute names core writes. Transports may rename them on the wire but must restore them. */
export const Attribute = {
  specVersion: 'ce-specversion',
  id: 'ce-id',
  type: 'ce-type',
  source: 'ce-source',
  subject: 'ce-subject',
  time: 'ce-time',
  contentType: 'ce-datacontenttype',
  correlationId: 'ce-correlationid',
  causationId: 'ce-causationid',
  key: 'ce-partitionkey',
} as const;

/**
 * The prefix of the envelope attributes core writes. User headers may not use it, nor any other
 * reserved name: see `RESERVED_HEADER_PREFIXES` in `reserved-headers.ts`.
 */
export const RESERVED_ATTRIBUTE_PREFIX = 'ce-';
