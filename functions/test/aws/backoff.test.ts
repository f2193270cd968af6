import { describe, expect, it } from 'vitest';
import { ApiCallCounter } from '../../src/aws/api-calls';
import {
  forEachWithConcurrency,
  fullJitterDelay,
  mapWithConcurrency,
  withRetry,
} from '../../src/aws/backoff';

const backoff = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('fullJitterDelay', () => {
  it('draws below a ceiling that doubles per retry and stops at the maximum', () => {
    // random just under 1 approaches the ceiling: 100, 200, 400, 800, then capped at 1000.
    const nearCeiling = () => 0.9999;
    expect([1, 2, 3, 4, 5, 6].map((n) => fullJitterDelay(n, backoff, nearCeiling))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(fullJitterDelay(3, backoff, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries retryable errors and returns the first success', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('busy');
        return 'done';
      },
      { ...backoff, isRetryable: () => true, sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([50, 100]);
  });

  it('rethrows a non-retryable error at once, and the last error when attempts run out', async () => {
    let calls = 0;
    const fatal = new Error('fatal');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw fatal;
        },
        { ...backoff, isRetryable: () => false, sleep: async () => {} },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`attempt ${calls}`);
        },
        { ...backoff, isRetryable: () => true, sleep: async () => {} },
      ),
    ).rejects.toThrow('attempt 5');
  });
});

describe('mapWithConcurrency', () => {
  it('keeps input order whatever order the calls finish in', async () => {
    const delays = [3, 1, 2, 0];
    const out = await mapWithConcurrency(delays, 2, async (ticks, i) => {
      for (let t = 0; t < ticks; t++) await new Promise((resolve) => setImmediate(resolve));
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(mapWithConcurrency([1], 0, async (x) => x)).rejects.toThrow(RangeError);
  });
});

describe('ApiCallCounter', () => {
  it('counts attempts from $metadata on successes and failures', async () => {
    const counter = new ApiCallCounter();
    await counter.call('iam:ListUsers', async () => ({ $metadata: { attempts: 2 } }));
    await counter.call('iam:ListUsers', async () => ({}));
    await counter
      .call('iam:GetAccountSummary', async () => {
        throw Object.assign(new Error('x'), { $metadata: { attempts: 5 } });
      })
      .catch(() => undefined);
    expect(counter.snapshot()).toEqual({ 'iam:GetAccountSummary': 5, 'iam:ListUsers': 3 });
    expect(counter.total()).toBe(8);
  });
});

describe('forEachWithConcurrency', () => {
  /** A source that records how far it has been read. */
  function counted(items: readonly number[], failAt?: number) {
    const state = { pulled: 0 };
    const source = (function* () {
      for (const item of items) {
        if (item === failAt) throw new Error(`source broke at ${item}`);
        state.pulled += 1;
        yield item;
      }
    })();
    return { source, state };
  }

  it('pulls an item only when a slot frees up, never more than the limit ahead', async () => {
    const { source, state } = counted([1, 2, 3, 4, 5, 6]);
    const release: (() => void)[] = [];
    const done: number[] = [];
    const run = forEachWithConcurrency(source, 2, async (item) => {
      await new Promise<void>((resolve) => release.push(resolve));
      done.push(item);
    });
    await Promise.resolve();
    expect(state.pulled).toBe(2);
    release.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(state.pulled).toBe(3);
    while (done.length < 6) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await run;
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('after a failure starts nothing new, waits for the items in flight, then rejects with that failure', async () => {
    const { source, state } = counted([1, 2, 3, 4, 5, 6, 7, 8]);
    const finished: number[] = [];
    const error = await forEachWithConcurrency(source, 3, async (item) => {
      if (item === 2) throw new Error('item 2 failed');
      await new Promise((r) => setTimeout(r, 5));
      finished.push(item);
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('item 2 failed');
    // Three slots take 1, 2 and 3; 2 fails at once, so nothing after 3 is pulled, and 1 and 3 finish.
    expect(finished.sort()).toEqual([1, 3]);
    expect(state.pulled).toBe(3);
  });

  it('a source that throws stops the run the same way', async () => {
    const { source } = counted([1, 2, 3], 3);
    const finished: number[] = [];
    await expect(
      forEachWithConcurrency(source, 2, async (item) => {
        await new Promise((r) => setTimeout(r, 5));
        finished.push(item);
      }),
    ).rejects.toThrow('source broke at 3');
    expect(finished.sort()).toEqual([1, 2]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(forEachWithConcurrency([1].values(), 0, async () => {})).rejects.toThrow(
      /positive integer, got 0/,
    );
  });
});
