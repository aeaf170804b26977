/** A mistake on the command line. Reported with the usage hint; exit code 2; nothing was attempted. */
export class UsageError extends Error {
  override name = 'UsageError';
}
