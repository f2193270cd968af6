import { describe, expect, it } from 'vitest';
import { ApiCallCounter } from '../../src/aws/api-calls';
import { fullJitterDelay, withRetry } from '../../src/aws/backoff';

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
