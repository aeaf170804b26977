const pattern =
  /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds per unit, in the order of the pattern's groups (a year is 365 days, a month 30). */
const unitMs = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000];

/**
 * Parses an ISO 8601 duration such as `PT1M` or `P1DT2H` into milliseconds, as Config.json uses them.
 * Throws a `RangeError` naming the text when it is not a duration.
 */
export function parseIso8601Duration(text: string): number {
  const match = pattern.exec(text.trim());
  if (!match) throw new RangeError(`'${text}' is not an ISO 8601 duration (for example PT1M)`);
  return unitMs.reduce((total, ms, index) => total + Number(match[index + 1] ?? 0) * ms, 0);
}
