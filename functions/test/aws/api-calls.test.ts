import { describe, expect, it } from 'vitest';
import { ApiCallCounter, ThrottledCaller, TokenBucket } from '../../src/aws/api-calls';

/** A clock that only moves when the bucket sleeps, so waits are exact and instant. */
function fakeTime() {
  let nowMs = 0;
  const sleeps: number[] = [];
  return {
    clock: () => nowMs,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
    sleeps,
    now: () => nowMs,
  };
}

const throttling = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

describe('TokenBucket', () => {
  it('lets the burst through at once, then spaces calls at the rate', async () => {
    // Prepare: burst 3, 10 per second -> one token every 100 ms once the burst is spent.
    const time = fakeTime();
    const bucket = new TokenBucket({ burst: 3, ratePerSecond: 10 }, time.clock, time.sleep);

    // Act
    for (let i = 0; i < 5; i++) await bucket.take();

    // Assess: calls 4 and 5 each waited for one token.
    expect(time.sleeps).toEqual([100, 100]);
    expect(time.now()).toBe(200);
  });

  it('queues concurrent callers in order without handing out the same token twice', async () => {
    const time = fakeTime();
    // A sleep that records the wait but does not advance time: all three reserve at t=0.
    const waits: number[] = [];
    const bucket = new TokenBucket({ burst: 1, ratePerSecond: 4 }, time.clock, async (ms) => {
      waits.push(ms);
    });

    await Promise.all([bucket.take(), bucket.take(), bucket.take()]);

    // The 2nd is due one token (250 ms) later, the 3rd two tokens (500 ms) later.
    expect(waits).toEqual([250, 500]);
  });

  it('refills with elapsed time up to the burst, never beyond', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket({ burst: 2, ratePerSecond: 10 }, time.clock, time.sleep);
    await bucket.take();
    await bucket.take();
    time.advance(10_000); // far more than needed to refill: still only 2 tokens

    for (let i = 0; i < 3; i++) await bucket.take();

    expect(time.sleeps).toEqual([100]);
  });

  it('cuts the rate to 0.8x and empties the bucket on throttling, then recovers on successes', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket({ burst: 5, ratePerSecond: 10 }, time.clock, time.sleep);

    bucket.onThrottled();
    expect(bucket.ratePerSecond).toBe(8);
    await bucket.take(); // no token left: waits 1/8 s
    expect(time.sleeps).toEqual([125]);

    // Each success adds a twentieth of the maximum (0.5/s) until the maximum.
    bucket.onSuccess();
    expect(bucket.ratePerSecond).toBe(8.5);
    for (let i = 0; i < 100; i++) bucket.onSuccess();
    expect(bucket.ratePerSecond).toBe(10);
  });

  it('never adapts below the minimum rate', () => {
    const time = fakeTime();
    const bucket = new TokenBucket(
      { burst: 5, ratePerSecond: 8, minRatePerSecond: 2 },
      time.clock,
      time.sleep,
    );
    for (let i = 0; i < 10; i++) bucket.onThrottled();
    expect(bucket.ratePerSecond).toBe(2);
  });

  it.each([
    [{ burst: 0, ratePerSecond: 10 }, /pacing\.burst must be at least 1, got 0/],
    [{ burst: 5, ratePerSecond: 0 }, /pacing\.ratePerSecond must be greater than 0, got 0/],
    [
      { burst: 5, ratePerSecond: 2, minRatePerSecond: 3 },
      /pacing\.minRatePerSecond must be in \(0, ratePerSecond=2\], got 3/,
    ],
  ])('refuses %j with an error naming the field', (options, message) => {
    expect(() => new TokenBucket(options)).toThrow(message);
  });
});

describe('ThrottledCaller pacing', () => {
  it('paces every call, counted or retried, through the account bucket', async () => {
    const time = fakeTime();
    const pacer = new TokenBucket({ burst: 2, ratePerSecond: 10 }, time.clock, time.sleep);
    const caller = new ThrottledCaller({ accountId: '111111111111', counter: new ApiCallCounter(), pacer });

    await caller.once('iam:GenerateCredentialReport', async () => ({}));
    await caller.send('iam:ListAccessKeys', async () => ({}));
    await caller.send('iam:ListAccessKeys', async () => ({}));

    expect(time.sleeps).toEqual([100]);
    expect(caller.counter.snapshot()).toEqual({ 'iam:GenerateCredentialReport': 1, 'iam:ListAccessKeys': 2 });
  });

  it('slows down when a call is refused with Throttling, and when the SDK had to retry one', async () => {
    const time = fakeTime();
    const pacer = new TokenBucket({ burst: 10, ratePerSecond: 10 }, time.clock, time.sleep);
    const caller = new ThrottledCaller({
      accountId: '111111111111',
      counter: new ApiCallCounter(),
      pacer,
      sleep: async () => {},
      random: () => 0,
      throttleRetry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    let calls = 0;
    // Refused once by the server, then answered.
    await caller.send('iam:ListAccessKeys', async () => {
      calls += 1;
      if (calls === 1) throw throttling();
      return {};
    });
    // rate 10 -> 8 on the refusal, then +0.5 for the success.
    expect(pacer.ratePerSecond).toBe(8.5);

    // An answer that took the SDK 3 attempts: its own retries hit the empty server bucket.
    await caller.once('iam:ListUserTags', async () => ({ $metadata: { attempts: 3 } }));
    expect(pacer.ratePerSecond).toBeCloseTo(6.8, 10);
    expect(caller.counter.snapshot()).toEqual({ 'iam:ListAccessKeys': 2, 'iam:ListUserTags': 3 });
  });
});
