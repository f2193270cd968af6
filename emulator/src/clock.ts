/**
 * The emulator's clock. Key ages and report reuse are computed from it, so tests can pin "now"
 * to an exact instant; it keeps ticking in real time from that instant so that code measuring
 * elapsed time (backoff, session expiry) still sees time pass.
 */
export interface Clock {
  now(): Date;
  nowMs(): number;
  set(date: Date): void;
  advance(ms: number): void;
  /**
   * Calls `listener` after each set() or advance(), so that deadlines kept on this clock (task
   * tokens) pass when a test moves the clock, not only when their real timer fires. Answers the
   * function that removes it.
   */
  onChange(listener: () => void): () => void;
}

export function createClock(start?: Date, realNow: () => number = Date.now): Clock {
  let offset = start === undefined ? 0 : start.getTime() - realNow();
  const nowMs = () => realNow() + offset;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    nowMs,
    now: () => new Date(nowMs()),
    set(date: Date) {
      if (Number.isNaN(date.getTime())) throw new TypeError('clock.set: invalid date');
      offset = date.getTime() - realNow();
      changed();
    },
    advance(ms: number) {
      offset += ms;
      changed();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
