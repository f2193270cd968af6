/**
 * Counts AWS API calls by action, every HTTP attempt included, so an AccountAudit can show what
 * auditing an account cost and the tests can hold the collector to its call budget.
 *
 * Attempts come from `$metadata.attempts`, which the SDK's retry middleware fills on responses
 * and on errors; it is absent under aws-sdk-client-mock, where each call is one attempt.
 */

import { IamThrottledError } from '../core/errors';
import { type BackoffOptions, type Random, type Sleep, withRetry } from './backoff';

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

export interface ThrottledCallerOptions {
  readonly accountId: string;
  readonly counter: ApiCallCounter;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** @default DEFAULT_THROTTLE_RETRY */
  readonly throttleRetry?: BackoffOptions;
}

/**
 * Sends calls for one account: counted, throttling retried with jittered backoff, and
 * throttling that outlasts every retry surfaced as IamThrottledError, a name the state machine
 * retries later, instead of a raw SDK error or, worse, an empty result.
 */
export class ThrottledCaller {
  readonly counter: ApiCallCounter;
  readonly #options: ThrottledCallerOptions;

  constructor(options: ThrottledCallerOptions) {
    this.counter = options.counter;
    this.#options = options;
  }

  /** Counted, no retries of ours: for callers that run their own retry loop. */
  once<T>(action: string, send: () => Promise<T>): Promise<T> {
    return this.counter.call(action, send);
  }

  async send<T>(action: string, send: () => Promise<T>): Promise<T> {
    const { sleep, random, throttleRetry = DEFAULT_THROTTLE_RETRY, accountId } = this.#options;
    try {
      return await withRetry(() => this.counter.call(action, send), {
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
}

export function throttledError(accountId: string, action: string, cause: unknown): IamThrottledError {
  return new IamThrottledError(
    `${action} in account ${accountId} was still throttled after all retries; the run retries this account later`,
    { accountId, api: action, cause },
  );
}
