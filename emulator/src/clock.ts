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
}

export function createClock(start?: Date, realNow: () => number = Date.now): Clock {
  let offset = start === undefined ? 0 : start.getTime() - realNow();
  const nowMs = () => realNow() + offset;
  return {
    nowMs,
    now: () => new Date(nowMs()),
    set(date: Date) {
      if (Number.isNaN(date.getTime())) throw new TypeError('clock.set: invalid date');
      offset = date.getTime() - realNow();
    },
    advance(ms: number) {
      offset += ms;
    },
  };
}
