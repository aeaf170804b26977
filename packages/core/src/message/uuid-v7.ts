import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one crypto call per 256 ids instead of one per id keeps id
// generation off the send hot path's profile.
const POOL_IDS = 256;
const pool = new Uint8Array(POOL_IDS * 10);
let poolOffset = pool.length;
let lastMs = -1;
let sequence = 0;

const hex: string[] = [];
for (let i = 0; i < 256; i++) hex.push(i.toString(16).padStart(2, '0'));

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids sort by creation
 * time, which keeps broker indexes and logs in order. Within one millisecond, a 12-bit counter in
 * `rand_a` keeps ids from one process monotonic.
 */
export function uuidv7(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = 0;
  } else {
    ms = lastMs;
    sequence++;
    if (sequence > 0xfff) {
      // Counter exhausted within one millisecond: borrow the next millisecond, as RFC 9562 allows.
      lastMs = ++ms;
      sequence = 0;
    }
  }
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 10;
  const timeHex = ms.toString(16).padStart(12, '0');
  return (
    `${timeHex.slice(0, 8)}-${timeHex.slice(8, 12)}-` +
    `${hex[0x70 | (sequence >> 8)]}${hex[sequence & 0xff]}-` +
    `${hex[0x80 | (pool[r]! & 0x3f)]}${hex[pool[r + 1]!]}-` +
    `${hex[pool[r + 2]!]}${hex[pool[r + 3]!]}${hex[pool[r + 4]!]}${hex[pool[r + 5]!]}${hex[pool[r + 6]!]}${hex[pool[r + 7]!]}`
  );
}
