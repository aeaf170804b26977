/**
 * Returns `key` as the engine's canonical copy of that property name. Keys rebuilt by `split` and
 * `join` are fresh strings, and reading a property with one makes the engine look the name up in
 * its string table on every read; the canonical copy skips that (it more than doubled throughput).
 */
export function internalize(key: string): string {
  return Object.keys({ [key]: true })[0] ?? key;
}
