/**
 * Case-insensitive text as EventBridge compares it: each UTF-16 unit of the pattern stands for its
 * lower-case or its upper-case form (locale-independent), and the event's text must be one of those
 * forms unit by unit. Folding the pattern per character, rather than lower-casing both sides, is
 * what Event Ruler does, and it differs on a few characters: `ß` matches `ß` or `SS`; a title-case
 * `ǅ` in the pattern matches `ǆ` or `Ǆ` but not itself.
 */
export interface IgnoreCaseText {
  /** The whole of `value` matches. */
  equals(value: string): boolean;
  /** `value` starts with a match. */
  startsOf(value: string): boolean;
  /** `value` ends with a match. */
  endsOf(value: string): boolean;
}

export function ignoreCaseText(text: string): IgnoreCaseText {
  const lower: string[] = [];
  const upper: string[] = [];
  for (let index = 0; index < text.length; index++) {
    const unit = text[index]!;
    lower.push(unit.toLowerCase());
    upper.push(unit.toUpperCase());
  }
  const singleUnits = lower.every((form) => form.length === 1) && upper.every((form) => form.length === 1);
  return singleUnits ? unitByUnit(lower, upper) : withLongerForms(lower, upper);
}

/** The common case: every form is one unit, so a match has the pattern's length. */
function unitByUnit(lowerForms: string[], upperForms: string[]): IgnoreCaseText {
  const lower = lowerForms.map((form) => form.charCodeAt(0));
  const upper = upperForms.map((form) => form.charCodeAt(0));
  const length = lower.length;
  const matchesAt = (value: string, offset: number): boolean => {
    for (let index = 0; index < length; index++) {
      const code = value.charCodeAt(offset + index);
      if (code !== lower[index] && code !== upper[index]) return false;
    }
    return true;
  };
  return {
    equals: (value) => value.length === length && matchesAt(value, 0),
    startsOf: (value) => value.length >= length && matchesAt(value, 0),
    endsOf: (value) => value.length >= length && matchesAt(value, value.length - length),
  };
}

/**
 * Some forms are longer than one unit (`ß` → `SS`, `İ` → `i̇`), so a match may be longer or shorter
 * than the pattern. Track every position the text so far can have reached.
 */
function withLongerForms(lower: string[], upper: string[]): IgnoreCaseText {
  const forwardEnds = (value: string): Set<number> => {
    let positions = new Set([0]);
    for (let index = 0; index < lower.length && positions.size > 0; index++) {
      const next = new Set<number>();
      for (const position of positions) {
        for (const form of [lower[index]!, upper[index]!]) {
          if (value.startsWith(form, position)) next.add(position + form.length);
        }
      }
      positions = next;
    }
    return positions;
  };
  const endsOf = (value: string): boolean => {
    let positions = new Set([value.length]);
    for (let index = lower.length - 1; index >= 0 && positions.size > 0; index--) {
      const next = new Set<number>();
      for (const position of positions) {
        for (const form of [lower[index]!, upper[index]!]) {
          const start = position - form.length;
          if (start >= 0 && value.startsWith(form, start)) next.add(start);
        }
      }
      positions = next;
    }
    return positions.size > 0;
  };
  return {
    equals: (value) => forwardEnds(value).has(value.length),
    startsOf: (value) => forwardEnds(value).size > 0,
    endsOf,
  };
}
