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

/**
 * Maps `items` with at most `limit` calls in flight; results keep the input order. The first
 * rejection rejects the whole call and nothing new starts after it (a denied bucket must not
 * cause thousands of further failing reads).
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `fn` on the items of `source` as they come, at most `limit` at once. Items are pulled
 * only when a slot is free, so a lazy source (a report parsed slice by slice) is read no faster
 * than it is used. After the first failure (of `fn` or of the source) nothing new starts; the
 * call settles once every started item has, then rejects with that first failure, so nothing
 * is left running behind the caller's back.
 */
export async function forEachWithConcurrency<T>(
  source: Iterator<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      try {
        const next = source.next();
        if (next.done === true) return;
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure !== undefined) throw failure.error;
}
