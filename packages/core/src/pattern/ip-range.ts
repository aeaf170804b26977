/**
 * IPv4 and IPv6 address blocks, for the `cidr` operator and for plain string alternatives that are
 * IP addresses (EventBridge compares those as addresses, so `"2001:db8::1"` also matches
 * `"2001:0db8:0:0:0:0:0:1"`).
 *
 * Address syntax follows what Event Ruler accepts: dotted-quad IPv4 (no leading zeros, which Java
 * rejects as ambiguous) and IPv6 in full or `::`-compressed hex form without an embedded IPv4 part.
 * An IPv4-mapped IPv6 address (`::ffff:a00:1`) is the IPv4 address, as in Java.
 */

/** The addresses whose first `maskBits` bits equal those of `network`. */
export interface IpRange {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, host bits cleared. */
  readonly network: Uint8Array;
  readonly maskBits: number;
}

// Event values are parsed into this buffer: matching must not allocate, and JS runs one match at a
// time, so a module-level buffer cannot be shared by two parses at once.
const eventAddress = new Uint8Array(16);
const words = new Uint16Array(8);

const DOT = 0x2e;
const COLON = 0x3a;

/**
 * Parses `text` as an IP address into the first 4 (IPv4) or 16 (IPv6) bytes of `into`. Returns the
 * number of bytes written, or 0 when `text` is not an address.
 */
export function parseIpAddress(text: string, into: Uint8Array): 0 | 4 | 16 {
  if (parseIpv4(text, into)) return 4;
  if (!parseIpv6(text, into)) return 0;
  for (let index = 0; index < 10; index++) if (into[index] !== 0) return 16;
  if (into[10] !== 0xff || into[11] !== 0xff) return 16;
  into.copyWithin(0, 12, 16);
  return 4;
}

/** The one-address range of `text` when it is an IP address, else `undefined`. */
export function addressRange(text: string): IpRange | undefined {
  const bytes = new Uint8Array(16);
  const length = parseIpAddress(text, bytes);
  if (length === 0) return undefined;
  return { family: length === 4 ? 4 : 6, network: bytes.slice(0, length), maskBits: length * 8 };
}

/**
 * Parses a CIDR block such as `10.0.0.0/24`. Host bits after the mask are ignored, so
 * `10.0.0.7/24` is `10.0.0.0/24`. Returns the reason when `text` is not a block EventBridge accepts.
 */
export function parseCidr(text: string): IpRange | string {
  // Java's String.split drops trailing empty parts; Event Ruler splits that way, so "a/24/" passes.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2)
    return `"${text}" is not a CIDR block: write one address, one "/" and a mask, e.g. "10.0.0.0/24"`;
  const [address = '', mask = ''] = parts;
  if (!/^[+-]?\d{1,10}$/.test(mask) || Math.abs(Number(mask)) > 2_147_483_647) {
    return `the mask after "/" in "${text}" must be a whole number of bits, e.g. "/24"`;
  }
  const maskBits = Number(mask);
  if (maskBits < 0) return `the mask after "/" in "${text}" must not be negative`;
  const bytes = new Uint8Array(16);
  const length = parseIpAddress(address, bytes);
  if (length === 0)
    return `"${address}" is not an IPv4 or IPv6 address (write e.g. "10.0.0.0/24" or "2001:db8::/32")`;
  // Event Ruler rejects full-length masks; a single address is written as a plain value instead.
  if (length === 4 && maskBits > 31) {
    return `an IPv4 mask must be 31 bits or fewer; to match the single address, list it as a plain value: ["${address}"]`;
  }
  if (length === 16 && maskBits > 127) {
    return `an IPv6 mask must be 127 bits or fewer; to match the single address, list it as a plain value: ["${address}"]`;
  }
  const network = bytes.slice(0, length);
  for (let bit = maskBits; bit < length * 8; bit++) network[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: length === 4 ? 4 : 6, network, maskBits };
}

/**
 * A test for "`text` is an address of the range's family inside the range". Does not allocate; an
 * IPv4 block compares 32-bit integers, the common case of a `cidr` on a source address.
 */
export function compileRangeTest(range: IpRange): (text: string) => boolean {
  if (range.family === 4) {
    const mask = range.maskBits === 0 ? 0 : (0xffffffff << (32 - range.maskBits)) | 0;
    const network = ipv4Number(range.network) & mask;
    return (text) => {
      if (parseIpv4(text, eventAddress)) return (ipv4Number(eventAddress) & mask) === network;
      // An IPv4-mapped IPv6 address is also an IPv4 address.
      return (
        text.includes(':') &&
        parseIpAddress(text, eventAddress) === 4 &&
        (ipv4Number(eventAddress) & mask) === network
      );
    };
  }
  const whole = range.maskBits >> 3;
  const partialMask = (0xff << (8 - (range.maskBits & 7))) & 0xff;
  const network = range.network;
  return (text) => {
    if (parseIpAddress(text, eventAddress) !== 16) return false;
    for (let index = 0; index < whole; index++) if (eventAddress[index] !== network[index]) return false;
    return whole === 16 || (eventAddress[whole]! & partialMask) === network[whole];
  };
}

function ipv4Number(bytes: Uint8Array): number {
  return (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]! | 0;
}

function parseIpv4(text: string, into: Uint8Array): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let index = 0; index <= length; index++) {
    const code = index === length ? DOT : text.charCodeAt(index);
    if (code === DOT) {
      if (digits === 0 || part === 4) return false;
      into[part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const digit = code - 0x30;
    if (digit < 0 || digit > 9) return false;
    if (digits === 1 && value === 0) return false; // a leading zero reads as octal to some parsers
    value = value * 10 + digit;
    if (value > 255) return false;
    digits++;
  }
  return part === 4;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function parseIpv6(text: string, into: Uint8Array): boolean {
  const length = text.length;
  if (length < 2 || length > 39) return false;
  let index = 0;
  let count = 0;
  let gap = -1; // word index where "::" stands for the missing zero words
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return false;
    gap = 0;
    index = 2;
  }
  while (index < length) {
    let value = 0;
    let digits = 0;
    for (; index < length; index++) {
      const digit = hexValue(text.charCodeAt(index));
      if (digit < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + digit;
    }
    if (digits === 0 || count === 8) return false;
    words[count++] = value;
    if (index === length) break;
    if (text.charCodeAt(index) !== COLON) return false;
    index++;
    if (index === length) return false; // a single trailing colon
    if (text.charCodeAt(index) === COLON) {
      if (gap !== -1) return false;
      gap = count;
      index++;
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return false;
  into.fill(0, 0, 16);
  const tail = gap === -1 ? count : gap;
  for (let word = 0; word < tail; word++) writeWord(into, word, words[word]!);
  for (let word = tail; word < count; word++) writeWord(into, 8 - (count - word), words[word]!);
  return true;
}

function writeWord(into: Uint8Array, position: number, value: number): void {
  into[position * 2] = value >> 8;
  into[position * 2 + 1] = value & 0xff;
}
