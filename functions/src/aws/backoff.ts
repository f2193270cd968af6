/**
 * Bounded exponential backoff with full jitter, and a small concurrency pool.
 *
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") spreads retries from many
 * Lambda invocations that were throttled at the same moment, which a fixed schedule would not.
 */

export type Sleep = (ms: number) => Promise<void>;
export type Random = () => number;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  /** Total attempts, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Delay before retry number `retry` (1 = first retry): uniform in [0, min(max, base * 2^(retry-1))). */
export function fullJitterDelay(
  retry: number,
  options: BackoffOptions,
  random: Random = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions extends BackoffOptions {
  readonly isRetryable: (error: unknown) => boolean;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or the attempts are spent; the last
 * error is rethrown as is so the caller can turn it into its own typed error.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.maxAttempts || !options.isRetryable(error)) throw error;
      await sleep(fullJitterDelay(attempt, options, options.random));
    }
  }
}
