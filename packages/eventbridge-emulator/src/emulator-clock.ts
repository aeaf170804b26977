/**
 * The emulator's notion of time: event `time` fields, rule and bus timestamps. Tests pass a fixed or
 * manual clock to get deterministic envelopes; the default reads the wall clock.
 */
export interface EmulatorClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Wall-clock time. */
export const systemClock: EmulatorClock = { now: () => Date.now() };
