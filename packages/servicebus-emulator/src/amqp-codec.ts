import rhea from 'rhea';

/**
 * The slice of rhea's codec the emulator relies on. rhea's own typings leave most of these out, so
 * they are declared here once (kysely-style: write the subset you need) instead of casting at every
 * call site.
 */
export interface AmqpTyped {
  type: { name: string; typecode: number };
  value: unknown;
  descriptor?: AmqpTyped;
}

interface RheaTypes {
  Reader: new (buffer: Buffer) => { read(): AmqpTyped; remaining(): number; position: number };
  Writer: new () => { write(value: AmqpTyped): void; toBuffer(): Buffer };
  wrap(value: unknown): AmqpTyped;
  wrap_string(value: string): AmqpTyped;
  wrap_symbol(value: string): AmqpTyped;
  wrap_boolean(value: boolean): AmqpTyped;
  wrap_ubyte(value: number): AmqpTyped;
  wrap_uint(value: number): AmqpTyped;
  wrap_int(value: number): AmqpTyped;
  wrap_long(value: number | Buffer): AmqpTyped;
  wrap_ulong(value: number | Buffer): AmqpTyped;
  wrap_timestamp(value: number): AmqpTyped;
  wrap_double(value: number): AmqpTyped;
  wrap_uuid(value: Buffer): AmqpTyped;
  wrap_binary(value: Buffer): AmqpTyped;
  wrap_list(values: unknown[]): AmqpTyped;
  wrap_map(values: Record<string, unknown>, keyWrapper?: (key: string) => AmqpTyped): AmqpTyped;
  wrap_array(values: unknown[], code: number, descriptor?: unknown): AmqpTyped;
  described(descriptor: AmqpTyped, value: AmqpTyped): AmqpTyped;
  unwrap(value: AmqpTyped, leaveDescribed?: boolean): unknown;
  Null(): AmqpTyped;
}

interface RheaMessageCodec {
  decode(bytes: Buffer): Record<string, unknown>;
  encode(message: Record<string, unknown>): Buffer;
  properties(fields: Record<string, unknown>): { described(): AmqpTyped };
  rejected(fields: Record<string, unknown>): { described(): AmqpTyped };
  modified(fields: Record<string, unknown>): { described(): AmqpTyped };
  accepted(): { described(): AmqpTyped };
  released(): { described(): AmqpTyped };
}

export const amqpTypes = rhea.types as unknown as RheaTypes;
export const amqpMessageCodec = rhea.message as unknown as RheaMessageCodec;

/** Encodes one typed value on its own. */
export function encodeTyped(value: AmqpTyped): Buffer {
  const writer = new amqpTypes.Writer();
  writer.write(value);
  return writer.toBuffer();
}

/** Decodes the first value in `bytes`, keeping rhea's type information. */
export function decodeTyped(bytes: Buffer): AmqpTyped {
  return new amqpTypes.Reader(bytes).read();
}

/** Builds a map value from already-typed keys and values, so their AMQP types survive re-encoding. */
export function typedMap(entries: ReadonlyArray<readonly [AmqpTyped, AmqpTyped]>): AmqpTyped {
  const map = amqpTypes.wrap_map({});
  map.value = entries.flat();
  return map;
}

/** The key/value pairs of a typed map (or of a described section holding one). */
export function typedMapEntries(value: AmqpTyped | undefined): Array<[AmqpTyped, AmqpTyped]> {
  if (!value) return [];
  // rhea marks a described value by adding `descriptor` to the value itself.
  const items = Array.isArray(value.value) ? (value.value as AmqpTyped[]) : [];
  const entries: Array<[AmqpTyped, AmqpTyped]> = [];
  for (let index = 0; index + 1 < items.length; index += 2) {
    entries.push([items[index]!, items[index + 1]!]);
  }
  return entries;
}

/** The plain JavaScript value of a typed value, as the SDK would see it. */
export function plainValue(value: AmqpTyped): unknown {
  return amqpTypes.unwrap(value);
}

/** A .NET-style 8-byte big-endian signed long, which rhea keeps as a Buffer when it exceeds 2^53. */
export function longBytes(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(value);
  return bytes;
}

/** Reads a long the way rhea hands it over: a number when it fits, else 8 big-endian bytes. */
export function readLong(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  if (value && typeof value === 'object' && 'value' in value)
    return readLong((value as { value: unknown }).value);
  throw new TypeError(`not a long: ${String(value)}`);
}
