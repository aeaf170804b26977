/**
 * The JSONPath subset EventBridge accepts in `InputPath` and `InputTransformer.InputPathsMap`:
 * `$`, dotted members (`$.detail.order-id`, hyphens allowed as EventBridge allows them), bracketed
 * members (`$['detail-type']`) and array indexes (`$.resources[0]`). Filters, wildcards and slices
 * are rejected rather than half-supported.
 */
export function compileJsonPath(path: string): (value: unknown) => unknown {
  if (!path.startsWith('$')) throw new Error(`JSONPath must start with '$': ${path}`);
  const segments: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const member = /^\.([^.[\]'"*]+)/.exec(rest);
    const quoted = /^\[(['"])((?:(?!\1).)*)\1\]/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    if (member) {
      segments.push(member[1]!);
      rest = rest.slice(member[0].length);
    } else if (quoted) {
      segments.push(quoted[2]!);
      rest = rest.slice(quoted[0].length);
    } else if (index) {
      segments.push(Number(index[1]));
      rest = rest.slice(index[0].length);
    } else {
      throw new Error(`Unsupported JSONPath syntax at '${rest}' in ${path}`);
    }
  }
  return (value) => {
    let current: unknown = value;
    for (const segment of segments) {
      if (typeof segment === 'number') {
        current = Array.isArray(current) ? current[segment] : undefined;
      } else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
        current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
      } else {
        current = undefined;
      }
      if (current === undefined) return undefined;
    }
    return current;
  };
}
