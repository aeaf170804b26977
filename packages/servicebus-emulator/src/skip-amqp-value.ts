/**
 * Returns the offset just past the AMQP-encoded value starting at `offset`, without decoding it.
 * Splitting a message into its sections this way keeps the sender's exact bytes (and is much
 * cheaper than a full decode on the hot path).
 */
export function skipAmqpValue(bytes: Buffer, offset: number): number {
  const code = bytes[offset];
  if (code === undefined) throw new RangeError('truncated AMQP value');
  if (code === 0x00) {
    // Described value: descriptor, then the value itself.
    return skipAmqpValue(bytes, skipAmqpValue(bytes, offset + 1));
  }
  const fixedWidth = fixedWidthOf(code);
  if (fixedWidth !== undefined) return offset + 1 + fixedWidth;
  switch (code & 0xf0) {
    case 0xa0: // vbin8, str8, sym8
      return offset + 2 + bytes.readUInt8(offset + 1);
    case 0xb0: // vbin32, str32, sym32
      return offset + 5 + bytes.readUInt32BE(offset + 1);
    case 0xc0: // list8, map8
    case 0xe0: // array8
      return offset + 2 + bytes.readUInt8(offset + 1);
    case 0xd0: // list32, map32
    case 0xf0: // array32
      return offset + 5 + bytes.readUInt32BE(offset + 1);
    default:
      throw new RangeError(`unknown AMQP type code 0x${code.toString(16)}`);
  }
}

function fixedWidthOf(code: number): number | undefined {
  switch (code) {
    case 0x40: // null
    case 0x41: // true
    case 0x42: // false
    case 0x43: // uint0
    case 0x44: // ulong0
    case 0x45: // list0
      return 0;
    case 0x50: // ubyte
    case 0x51: // byte
    case 0x52: // smalluint
    case 0x53: // smallulong
    case 0x54: // smallint
    case 0x55: // smalllong
    case 0x56: // boolean
      return 1;
    case 0x60: // ushort
    case 0x61: // short
      return 2;
    case 0x70: // uint
    case 0x71: // int
    case 0x72: // float
    case 0x73: // char
    case 0x74: // decimal32
      return 4;
    case 0x80: // ulong
    case 0x81: // long
    case 0x82: // double
    case 0x83: // timestamp
    case 0x84: // decimal64
      return 8;
    case 0x94: // decimal128
    case 0x98: // uuid
      return 16;
    default:
      return undefined;
  }
}
