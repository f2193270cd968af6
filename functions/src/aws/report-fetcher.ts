/**
 * Gets a COMPLETE credential report: GenerateCredentialReport until it says so, then
 * GetCredentialReport. Every way of not getting one within the budget is a typed, transient
 * error, so a slow report can never read as "this account has no findings".
 */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { CredentialReportTimeoutError } from '../core/errors';
import { hasErrorName, isThrottling, type ThrottledCaller, throttledError } from './api-calls';
import { type BackoffOptions, fullJitterDelay, type Random, realSleep, type Sleep } from './backoff';

/**
 * About a minute of waiting in the worst case; a report usually needs seconds. The first polls
 * come quickly because waiting is pure delay: IAM's token bucket is full while we wait, so an
 * early GenerateCredentialReport costs no throughput, while a late one added up to a second to
 * every account (5 % of a throttled 10,000-user account's whole audit).
 */
export const DEFAULT_REPORT_POLLING: BackoffOptions = {
  maxAttempts: 11,
  baseDelayMs: 100,
  maxDelayMs: 15_000,
};

/**
 * Worth another GenerateCredentialReport round: generation still running or limited, throttling,
 * and a report that vanished or expired between COMPLETE and the download.
 */
const RETRYABLE_REPORT_ERRORS = [
  'LimitExceeded',
  'LimitExceededException',
  'ReportInProgress',
  'CredentialReportNotReadyException',
  'ReportNotPresent',
  'CredentialReportNotPresentException',
  'ReportExpired',
  'CredentialReportExpiredException',
] as const;

export function isRetryableReportError(error: unknown): boolean {
  return isThrottling(error) || hasErrorName(error, RETRYABLE_REPORT_ERRORS);
}

export interface FetchedReport {
  readonly content: Uint8Array;
  readonly generatedAt: Date | null;
}

export interface FetchReportOptions {
  readonly iam: IAMClient;
  readonly caller: ThrottledCaller;
  readonly accountId: string;
  readonly polling?: BackoffOptions;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

export async function fetchCredentialReport(options: FetchReportOptions): Promise<FetchedReport> {
  const { iam, caller, accountId, polling = DEFAULT_REPORT_POLLING, sleep = realSleep, random } = options;
  let lastError: unknown;
  let lastState: string | undefined;
  for (let attempt = 1; attempt <= polling.maxAttempts; attempt++) {
    try {
      const generated = await caller.once('iam:GenerateCredentialReport', () =>
        iam.send(new GenerateCredentialReportCommand({})),
      );
      lastState = generated.State;
      lastError = undefined;
      if (generated.State === 'COMPLETE') {
        const report = await caller.once('iam:GetCredentialReport', () =>
          iam.send(new GetCredentialReportCommand({})),
        );
        return { content: report.Content ?? new Uint8Array(), generatedAt: report.GeneratedTime ?? null };
      }
    } catch (error) {
      if (!isRetryableReportError(error)) throw error;
      lastError = error;
    }
    if (attempt < polling.maxAttempts) await sleep(fullJitterDelay(attempt, polling, random));
  }
  if (lastError !== undefined && isThrottling(lastError)) {
    throw throttledError(accountId, 'iam:GenerateCredentialReport', lastError);
  }
  const last = lastError === undefined ? `state ${lastState ?? 'unknown'}` : describe(lastError);
  throw new CredentialReportTimeoutError(
    `the credential report of account ${accountId} was not ready after ${polling.maxAttempts} attempts (last: ${last}); the run retries this account later`,
    {
      accountId,
      api: 'iam:GenerateCredentialReport',
      ...(lastError === undefined ? {} : { cause: lastError }),
    },
  );
}

function describe(error: unknown): string {
  const { name, message } = error as { name?: unknown; message?: unknown };
  return `${typeof name === 'string' ? name : 'error'}${typeof message === 'string' && message ? `: ${message}` : ''}`;
}
