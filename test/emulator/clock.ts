/**
 * Injectable clock. Every deadline the emulator enforces (3 s acknowledgement window, 15 min interaction
 * tokens, nonce de-duplication window, rate-limit windows) reads this clock, so tests can jump forward with
 * `advance()` instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Moves the emulator's notion of time forward (never backwards). */
  advance(ms: number): void;
  /** Total milliseconds added through `advance()`. */
  readonly offset: number;
}

export function createClock(base: () => number = Date.now): Clock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advance(ms) needs a non-negative number, got ${ms}`);
      offset += ms;
    },
    get offset() {
      return offset;
    },
  };
}
