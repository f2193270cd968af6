/**
 * Counts AWS API calls by action, every HTTP attempt included, so an AccountAudit can show what
 * auditing an account cost and the tests can hold the collector to its call budget.
 *
 * Attempts come from `$metadata.attempts`, which the SDK's retry middleware fills on responses
 * and on errors; it is absent under aws-sdk-client-mock, where each call is one attempt.
 */

import { IamThrottledError } from '../core/errors';
import { type BackoffOptions, type Random, realSleep, type Sleep, withRetry } from './backoff';

interface WithMetadata {
  readonly $metadata?: { readonly attempts?: number };
}

export class ApiCallCounter {
  readonly #counts = new Map<string, number>();

  /** Runs one SDK call and records its attempts under `action` (e.g. `iam:ListAccessKeys`). */
  async call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      const output = await send();
      this.#add(action, attemptsOf(output));
      return output;
    } catch (error) {
      this.#add(action, attemptsOf(error));
      throw error;
    }
  }

  /** A snapshot, keys sorted so stored results diff cleanly. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  #add(action: string, attempts: number): void {
    this.#counts.set(action, (this.#counts.get(action) ?? 0) + attempts);
  }
}

function attemptsOf(value: unknown): number {
  const attempts = (value as WithMetadata | null | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && Number.isInteger(attempts) && attempts > 0 ? attempts : 1;
}

/**
 * Whether an SDK error carries one of `names`. Modeled errors are named after their shape
 * (`CredentialReportNotReadyException`) while the wire code (`ReportInProgress`) may sit in `Code`,
 * and unmodeled ones (`Throttling`) only have the code: callers list both spellings.
 */
export function hasErrorName(error: unknown, names: readonly string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return names.some((n) => n === name || n === Code);
}

const THROTTLING_NAMES = [
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
] as const;

export function isThrottling(error: unknown): boolean {
  if (hasErrorName(error, THROTTLING_NAMES)) return true;
  const retryable = (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable;
  return retryable?.throttling === true;
}

export function isAccessDenied(error: unknown): boolean {
  return hasErrorName(error, ['AccessDenied', 'AccessDeniedException']);
}

/** Our retries after the SDK's own (standard mode, 5 attempts) gave up on throttling. */
export const DEFAULT_THROTTLE_RETRY: BackoffOptions = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 20_000,
};

export interface PacingOptions {
  /** Calls that may go at once before pacing starts (the bucket's size). */
  readonly burst: number;
  /** Sustained calls per second, and the most the rate recovers to after throttling. */
  readonly ratePerSecond: number;
  /** The rate never adapts below this. @default 1 */
  readonly minRatePerSecond?: number;
}

/**
 * A gentle decrease: one refusal usually means our refill ran a token ahead of the server's
 * (clock drift, requests in flight), and emptying the bucket already realigns the two; halving
 * would cost a large account seconds for that one token. Repeated refusals still compound.
 */
const THROTTLED_RATE_FACTOR = 0.8;

/**
 * IAM does not publish its per-account limits; this is the bucket the emulator models (and the
 * one the benchmark throttles with), less one token of burst. That token keeps us one call behind
 * the server's bucket, so requests that reach it closer together than we sent them (network or
 * server jitter) still find a token instead of a refusal and a retry. The pacer adapts downwards
 * on Throttling, so a tighter real limit costs a few refusals, not a storm of them.
 */
export const DEFAULT_IAM_PACING: PacingOptions = { burst: 19, ratePerSecond: 10 };

/**
 * A client-side token bucket for one account's calls. Retrying after a refusal overshoots the
 * server's refill (the SDK's backoff is random up to seconds), so a large account's follow-up
 * calls were slower than the server allows; waiting for a token instead sends each call when the
 * server's bucket has one. Callers reserve a token and wait for it, so concurrent callers queue
 * in order without polling. On Throttling the rate drops (multiplicative decrease, 0.8x) and the
 * bucket empties; each success recovers the rate a little, up to `ratePerSecond`.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #maxRate: number;
  readonly #minRate: number;
  readonly #clock: () => number;
  readonly #sleep: Sleep;
  #rate: number;
  #tokens: number;
  #updatedAt: number;

  constructor(
    options: PacingOptions,
    clock: () => number = () => performance.now(),
    sleep: Sleep = realSleep,
  ) {
    const { burst, ratePerSecond, minRatePerSecond = 1 } = options;
    if (!(burst >= 1)) throw new RangeError(`pacing.burst must be at least 1, got ${burst}`);
    if (!(ratePerSecond > 0)) {
      throw new RangeError(`pacing.ratePerSecond must be greater than 0, got ${ratePerSecond}`);
    }
    if (!(minRatePerSecond > 0 && minRatePerSecond <= ratePerSecond)) {
      throw new RangeError(
        `pacing.minRatePerSecond must be in (0, ratePerSecond=${ratePerSecond}], got ${minRatePerSecond}`,
      );
    }
    this.#burst = burst;
    this.#maxRate = ratePerSecond;
    this.#minRate = minRatePerSecond;
    this.#rate = ratePerSecond;
    this.#clock = clock;
    this.#sleep = sleep;
    this.#tokens = burst;
    this.#updatedAt = clock();
  }

  /** The current sustained rate, calls per second. */
  get ratePerSecond(): number {
    return this.#rate;
  }

  /** Reserves one token and resolves when it is due (at once while the burst lasts). */
  async take(): Promise<void> {
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return;
    await this.#sleep(Math.ceil((-this.#tokens / this.#rate) * 1000));
  }

  /** The server refused a call: its bucket is empty, and its rate is below ours. */
  onThrottled(): void {
    this.#refill();
    this.#rate = Math.max(this.#minRate, this.#rate * THROTTLED_RATE_FACTOR);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  onSuccess(): void {
    this.#rate = Math.min(this.#maxRate, this.#rate + this.#maxRate / 20);
  }

  #refill(): void {
    const now = this.#clock();
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedSeconds * this.#rate);
  }
}

export interface ThrottledCallerOptions {
  readonly accountId: string;
  readonly counter: ApiCallCounter;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** @default DEFAULT_THROTTLE_RETRY */
  readonly throttleRetry?: BackoffOptions;
  /** Paces every call of this account. @default a TokenBucket of DEFAULT_IAM_PACING on the real clock */
  readonly pacer?: TokenBucket;
}

/**
 * Sends calls for one account: counted, throttling retried with jittered backoff, and
 * throttling that outlasts every retry surfaced as IamThrottledError, a name the state machine
 * retries later, instead of a raw SDK error or, worse, an empty result.
 */
export class ThrottledCaller {
  readonly counter: ApiCallCounter;
  readonly pacer: TokenBucket;
  readonly #options: ThrottledCallerOptions;

  constructor(options: ThrottledCallerOptions) {
    this.counter = options.counter;
    this.pacer = options.pacer ?? new TokenBucket(DEFAULT_IAM_PACING);
    this.#options = options;
  }

  /** Counted and paced, no retries of ours: for callers that run their own retry loop. */
  once<T>(action: string, send: () => Promise<T>): Promise<T> {
    return this.#paced(action, send);
  }

  async send<T>(action: string, send: () => Promise<T>): Promise<T> {
    const { sleep, random, throttleRetry = DEFAULT_THROTTLE_RETRY, accountId } = this.#options;
    try {
      return await withRetry(() => this.#paced(action, send), {
        ...throttleRetry,
        isRetryable: isThrottling,
        ...(sleep ? { sleep } : {}),
        ...(random ? { random } : {}),
      });
    } catch (error) {
      if (isThrottling(error)) throw throttledError(accountId, action, error);
      throw error;
    }
  }

  async #paced<T>(action: string, send: () => Promise<T>): Promise<T> {
    await this.pacer.take();
    try {
      const output = await this.counter.call(action, send);
      // The SDK retried refusals below us: each one says the server's bucket ran dry.
      if (attemptsOf(output) > 1) this.pacer.onThrottled();
      else this.pacer.onSuccess();
      return output;
    } catch (error) {
      if (isThrottling(error)) this.pacer.onThrottled();
      throw error;
    }
  }
}

export function throttledError(accountId: string, action: string, cause: unknown): IamThrottledError {
  return new IamThrottledError(
    `${action} in account ${accountId} was still throttled after all retries; the run retries this account later`,
    { accountId, api: action, cause },
  );
}
