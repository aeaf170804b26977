/** .NET ticks (100 ns) between 0001-01-01 and the Unix epoch. */
const ticksAtUnixEpoch = 621_355_968_000_000_000n;

/**
 * Converts epoch milliseconds to .NET ticks. Session receivers read their lock expiry from the
 * attach property `com.microsoft:locked-until-utc` in this form.
 */
export function toDotNetTicks(epochMs: number): bigint {
  return BigInt(Math.trunc(epochMs)) * 10_000n + ticksAtUnixEpoch;
}
