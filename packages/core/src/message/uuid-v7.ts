import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one crypto call per 512 ids instead of one per id keeps id
// generation off the send hot path's profile.
const BYTES_PER_ID = 9;
const pool = Buffer.alloc(512 * BYTES_PER_ID);
let poolOffset = pool.length;
let lastMs = -1;
let lastTimeHex = '';
let sequence = 0;

// `rand_a` (12 bits) as three hex digits, and the variant digit (binary 10xx), precomputed.
const sequenceHex: string[] = Array.from({ length: 4096 }, (_, value) => value.toString(16).padStart(3, '0'));
const variantHex = ['8', '9', 'a', 'b'];

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids sort by creation
 * time, which keeps broker indexes and logs in order. Within one millisecond, a 12-bit counter in
 * `rand_a` keeps ids from one process monotonic.
 */
export function uuidv7(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    sequence = 0;
  } else {
    ms = lastMs;
    if (++sequence > 0xfff) {
      // Counter exhausted within one millisecond: borrow the next millisecond, as RFC 9562 allows.
      ms++;
      sequence = 0;
    }
  }
  if (ms !== lastMs) {
    lastMs = ms;
    const hex = ms.toString(16).padStart(12, '0');
    lastTimeHex = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  }
  if (poolOffset + BYTES_PER_ID > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += BYTES_PER_ID;
  // 8 random bytes give the 16 hex digits after the variant digit (15 used); the 9th picks the variant.
  const random = pool.toString('hex', offset, offset + 8);
  return `${lastTimeHex}${sequenceHex[sequence]}-${variantHex[pool[offset + 8]! & 3]}${random.slice(0, 3)}-${random.slice(3, 15)}`;
}
