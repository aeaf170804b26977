import type { EventPattern } from '@omnibus/core';
import { Attribute } from '@omnibus/core/transport';

/** Header arguments of one binding on the events (headers) exchange. */
export type BindingArguments = Readonly<Record<string, string>>;

// Past this many type x source combinations, binding on type alone is cheaper than the bindings.
const MAX_BINDINGS = 64;

/**
 * The most selective native pre-filter for a pattern: headers-exchange bindings (`x-match: all`)
 * on `ce-type` and `ce-source` when the pattern lists exact string values for them, one binding per
 * combination. A pattern without such a constraint gets one binding that matches every event. The
 * bindings never exclude a matching event; the exact check runs after them.
 */
export function compileRuleBindings(pattern: EventPattern): BindingArguments[] {
  const types = exactStrings(pattern.type);
  let sources = exactStrings(pattern.source);
  if (types && sources && types.length * sources.length > MAX_BINDINGS) sources = undefined;
  const typeValues: (string | undefined)[] = types ?? [undefined];
  const sourceValues: (string | undefined)[] = sources ?? [undefined];
  const bindings: BindingArguments[] = [];
  for (const type of typeValues) {
    for (const source of sourceValues) {
      const binding: Record<string, string> = { 'x-match': 'all' };
      if (type !== undefined) binding[Attribute.type] = type;
      if (source !== undefined) binding[Attribute.source] = source;
      bindings.push(binding);
    }
  }
  return bindings;
}

/** A field's values when every alternative is an exact string; otherwise undefined (no constraint). */
function exactStrings(field: EventPattern[string] | undefined): string[] | undefined {
  if (!Array.isArray(field) || field.length === 0) return undefined;
  const values: string[] = [];
  for (const value of field as readonly unknown[]) {
    if (typeof value !== 'string') return undefined;
    values.push(value);
  }
  return [...new Set(values)];
}
