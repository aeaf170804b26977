import type { Wildcard } from './wildcard.js';

/**
 * EventBridge refuses wildcard patterns that could keep too many partial matches alive at once
 * ("rule is too complex"): each one costs work on every event. Event Ruler measures, over every
 * possible input, the largest number of wildcard prefixes matching it at the same time, reading the
 * pattern as UTF-8 bytes between the quotes that delimit a JSON string. EventBridge accepts at most
 * ten. `*:*:*:*:*:event-bus/*` exceeds it; `arn:aws:events:us-east-1:*:event-bus/*` does not.
 */
export const WILDCARD_COMPLEXITY_LIMIT = 10;

const STAR = -1;
const OTHER_BYTE = -2; // stands for every byte no pattern mentions
const QUOTE = 0x22;
// Reachable state sets are few for real patterns; a pathological one is called too complex early.
const MAX_STATE_SETS = 20_000;

const utf8 = new TextEncoder();

/**
 * The largest number of prefixes of `wildcards` (the alternatives of one field) that a single input
 * can match at once, or `Infinity` when that is too costly to work out.
 */
export function wildcardComplexity(wildcards: readonly Wildcard[]): number {
  // One automaton per pattern, laid end to end: state `base + n` means "n tokens consumed".
  const loops: boolean[] = [];
  const literal: number[] = [];
  const starts: number[] = [];
  const alphabet = new Set<number>([OTHER_BYTE]);
  for (const wildcard of wildcards) {
    const tokens = tokenize(wildcard);
    starts.push(loops.length);
    for (let position = 0; position <= tokens.length; position++) {
      loops.push(position > 0 && tokens[position - 1] === STAR);
      const token = position < tokens.length ? tokens[position]! : OTHER_BYTE;
      literal.push(token);
      if (token >= 0) alphabet.add(token);
    }
  }

  const closure = (states: Set<number>): number[] => {
    // A state in front of a `*` is also past it: the star may match nothing.
    for (const state of states) {
      let next = state;
      while (literal[next] === STAR) states.add(++next);
    }
    return [...states].sort((a, b) => a - b);
  };

  const seen = new Set<string>();
  const queue: number[][] = [closure(new Set(starts))];
  let largest = 0;
  while (queue.length > 0) {
    const current = queue.pop()!;
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const state of current) {
        if (loops[state]) next.add(state);
        if (literal[state] === byte && byte !== OTHER_BYTE) next.add(state + 1);
      }
      if (next.size === 0) continue;
      const states = closure(next);
      largest = Math.max(largest, states.length);
      if (largest > WILDCARD_COMPLEXITY_LIMIT) return largest;
      const key = states.join(',');
      if (seen.has(key)) continue;
      if (seen.size >= MAX_STATE_SETS) return Number.POSITIVE_INFINITY;
      seen.add(key);
      queue.push(states);
    }
  }
  return largest;
}

function tokenize(wildcard: Wildcard): number[] {
  const tokens = [QUOTE];
  wildcard.pieces.forEach((piece, index) => {
    if (index > 0) tokens.push(STAR);
    for (const byte of utf8.encode(piece)) tokens.push(byte);
  });
  tokens.push(QUOTE);
  return tokens;
}
