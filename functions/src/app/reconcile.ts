/**
 * BuildDigest's bookkeeping, pure: every account of organization.json ends exactly once as
 * AUDITED, FAILED or SKIPPED, whatever happened to its Map iteration. Sources, in order of trust:
 * 1. the per-account result the AuditAccount Lambda stored (written last, so it is complete);
 * 2. the Map's record of the iteration: a caught error (a FAILED result built by the Catch
 *    path) or a child execution that failed outright (ResultWriter's FAILED file);
 * 3. nothing at all: FAILED "no result recorded", so a lost account is never silently absent.
 */

import { isAccountId } from '../core/account-id';
import type { RunChanges } from '../core/history';
import type { AccountAudit, AccountStatus } from '../core/model';
import { uncollectedAudit } from '../core/model';
import type { ReportTotals } from '../core/report';
import type { MapChildResult, OrganizationEntry } from '../core/run-layout';

export const NO_RESULT_ERROR = 'NoResultRecorded';
export const NO_RESULT_REASON = 'no result recorded';
export const RERUN_FIX =
  'rerun the audit for this account (keyaudit rerun --failed); if it fails again, read the execution logs';
/** 100 accounts × a reason cut at 200 characters keeps the execution output near 30 KB. */
export const MAX_FAILED_ACCOUNTS_IN_SUMMARY = 100;
export const MAX_SUMMARY_REASON_LENGTH = 200;

function shortReason(reason: string): string {
  return reason.length <= MAX_SUMMARY_REASON_LENGTH
    ? reason
    : `${reason.slice(0, MAX_SUMMARY_REASON_LENGTH - 1)}…`;
}
const MAX_REASON_LENGTH = 1_000;

/** What the Map recorded for one account. */
export interface MapOutcome {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly errorName: string | null;
  readonly reason: string | null;
}

export interface MapOutcomes {
  readonly byAccount: ReadonlyMap<string, MapOutcome>;
  /** Records that named no account, or that could not be read: surfaced in the report. */
  readonly warnings: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function clip(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

/**
 * A Step Functions `Cause` as one readable sentence. A caught Lambda error's Cause is Lambda's
 * JSON (`{"errorType","errorMessage","trace"}`): the message is what a person needs, and the
 * stack trace would only bloat the digest.
 */
export function causeMessage(cause: unknown): string | null {
  const text = str(cause);
  if (text === null) return null;
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) {
        const message = str(parsed['errorMessage']) ?? str(parsed['Cause']) ?? str(parsed['message']);
        if (message !== null) return clip(message);
      }
    } catch {
      // Not JSON after all: show it as it is.
    }
  }
  return clip(text);
}

/** The Lambda errorType inside a Cause, when the Error field is only `Lambda.Unknown` or absent. */
function causeErrorType(cause: unknown): string | null {
  const text = str(cause);
  if (text === null || !text.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? str(parsed['errorType']) : null;
  } catch {
    return null;
  }
}

function accountIdOf(...candidates: unknown[]): string | null {
  for (const c of candidates) {
    if (isAccountId(c)) return c;
    if (isRecord(c) && isAccountId(c['accountId'])) return c['accountId'];
  }
  return null;
}

/**
 * Reads an iteration's output. The AuditAccount result is `{ accountId, status, errorName?,
 * reason? }`; the Catch path's FAILED result may instead carry the caught `{ Error, Cause }`
 * directly or under `error`, so all three spellings are read.
 */
function outcomeFromOutput(accountId: string, output: Record<string, unknown>): MapOutcome {
  const caught = isRecord(output['error']) ? output['error'] : output;
  const errorName =
    str(output['errorName']) ??
    str(caught['Error']) ??
    str(caught['errorName']) ??
    causeErrorType(caught['Cause']);
  const reason =
    causeMessage(output['reason']) ?? causeMessage(caught['Cause']) ?? causeMessage(caught['cause']);
  const declared = output['status'];
  const status: AccountStatus =
    declared === 'AUDITED' || declared === 'SKIPPED' || declared === 'FAILED'
      ? declared
      : errorName !== null
        ? 'FAILED'
        : 'AUDITED';
  return { accountId, status, errorName, reason };
}

/** Turns the ResultWriter children (or an inline Map's output array) into one outcome per account. */
export function outcomesFromMap(children: readonly MapChildResult[]): MapOutcomes {
  const byAccount = new Map<string, MapOutcome>();
  const warnings: string[] = [];
  for (const child of children) {
    const accountId = accountIdOf(child.output, child.input);
    if (accountId === null) {
      warnings.push(
        `a Map iteration (${child.executionArn ?? 'unknown execution'}) named no account; it was ignored`,
      );
      continue;
    }
    let outcome: MapOutcome;
    if (child.status === 'SUCCEEDED' && isRecord(child.output)) {
      outcome = outcomeFromOutput(accountId, child.output);
    } else if (child.status === 'SUCCEEDED') {
      outcome = {
        accountId,
        status: 'FAILED',
        errorName: 'MalformedResult',
        reason: 'the iteration returned no result object',
      };
    } else {
      const errorName =
        child.error === 'Lambda.Unknown' ? (causeErrorType(child.cause) ?? child.error) : child.error;
      outcome = {
        accountId,
        status: 'FAILED',
        errorName: errorName ?? `Child${child.status}`,
        reason: causeMessage(child.cause) ?? `the child execution ended ${child.status} without a cause`,
      };
    }
    const previous = byAccount.get(accountId);
    // A redriven Map can list an account twice (failed, then succeeded): success wins.
    if (previous === undefined || (previous.status === 'FAILED' && outcome.status !== 'FAILED')) {
      byAccount.set(accountId, outcome);
    }
  }
  return { byAccount, warnings };
}

function emptyAudit(entry: OrganizationEntry, status: AccountStatus): AccountAudit {
  return uncollectedAudit(entry, status);
}

function failed(entry: OrganizationEntry, errorName: string, reason: string, fix: string): AccountAudit {
  return uncollectedAudit(entry, 'FAILED', { errorName, reason, fix });
}

export interface ReconcileInput {
  readonly organization: readonly OrganizationEntry[];
  readonly outcomes: ReadonlyMap<string, MapOutcome>;
  /** Results stored by AuditAccount, by account id. */
  readonly stored: ReadonlyMap<string, AccountAudit>;
  /** Stored results that could not be read, with the reason (naming the S3 key). */
  readonly malformed?: ReadonlyMap<string, string>;
}

export const MALFORMED_FIX = 'delete the stored result object and rerun the audit for this account';

/** One AccountAudit per organization entry, in organization order. */
export function reconcileAccounts(input: ReconcileInput): AccountAudit[] {
  const seen = new Set<string>();
  const audits: AccountAudit[] = [];
  for (const entry of input.organization) {
    if (seen.has(entry.accountId)) continue;
    seen.add(entry.accountId);
    if (entry.decision === 'SKIP') {
      audits.push({
        ...emptyAudit(entry, 'SKIPPED'),
        reason: entry.reason ?? 'skipped',
        ...(entry.fix === undefined ? {} : { fix: entry.fix }),
      });
      continue;
    }
    const stored = input.stored.get(entry.accountId);
    if (stored !== undefined) {
      // AuditAccount cannot know the account's name (its event carries only the id).
      audits.push({ ...stored, accountName: entry.accountName || stored.accountName });
      continue;
    }
    const outcome = input.outcomes.get(entry.accountId);
    const unreadable = input.malformed?.get(entry.accountId);
    if (unreadable !== undefined && outcome?.status !== 'FAILED') {
      audits.push(failed(entry, 'MalformedDataError', unreadable, MALFORMED_FIX));
    } else if (outcome === undefined) {
      audits.push(failed(entry, NO_RESULT_ERROR, NO_RESULT_REASON, RERUN_FIX));
    } else if (outcome.status === 'FAILED') {
      audits.push(
        failed(
          entry,
          outcome.errorName ?? 'Error',
          outcome.reason ?? 'the audit failed without a cause',
          RERUN_FIX,
        ),
      );
    } else {
      audits.push(
        failed(
          entry,
          NO_RESULT_ERROR,
          `${NO_RESULT_REASON}: the iteration reported ${outcome.status} but stored no per-account result`,
          RERUN_FIX,
        ),
      );
    }
  }
  return audits;
}

export interface FailedAccountSummary {
  readonly accountId: string;
  readonly errorName: string;
  readonly reason: string;
}

export interface RunSummary {
  readonly executionName: string;
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly totals: Pick<
    ReportTotals,
    'accounts' | 'audited' | 'failed' | 'skipped' | 'findings' | 'exempted' | 'bySeverity'
  >;
  readonly failedAccounts: readonly FailedAccountSummary[];
  readonly failedAccountsTruncated: boolean;
  readonly reportKey: string;
  readonly subject: string;
  readonly changes?: RunSummaryChanges;
}

/** The execution output keeps only the counts: the lists are in the report. */
export type RunSummaryChanges =
  | {
      readonly comparable: true;
      readonly previousExecution: string;
      readonly new: number;
      readonly resolved: number;
      readonly stillOpen: number;
      readonly notRechecked: number;
    }
  | { readonly comparable: false; readonly reason: string };

export function summarizeChanges(changes: RunChanges): RunSummaryChanges {
  if (!changes.comparable) return { comparable: false, reason: changes.reason };
  return {
    comparable: true,
    previousExecution: changes.previousExecution,
    new: changes.new.length,
    resolved: changes.resolved.length,
    stillOpen: changes.stillOpen.length,
    notRechecked: changes.notRechecked.length,
  };
}

/**
 * The execution output: small whatever the organization's size (failed accounts capped), since
 * it is a Step Functions state and shows on the console after a rerun.
 */
export function summarizeRun(params: {
  readonly executionName: string;
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly totals: ReportTotals;
  readonly audits: readonly AccountAudit[];
  readonly reportKey: string;
  readonly subject: string;
  readonly changes?: RunChanges;
}): RunSummary {
  const failedAudits = params.audits.filter((a) => a.status === 'FAILED');
  const { accounts, audited, failed: failedCount, skipped, findings, exempted, bySeverity } = params.totals;
  return {
    executionName: params.executionName,
    reason: params.reason,
    dryRun: params.dryRun,
    totals: { accounts, audited, failed: failedCount, skipped, findings, exempted, bySeverity },
    failedAccounts: failedAudits.slice(0, MAX_FAILED_ACCOUNTS_IN_SUMMARY).map((a) => ({
      accountId: a.accountId,
      errorName: a.errorName ?? 'Error',
      reason: shortReason(a.reason ?? 'unknown'),
    })),
    failedAccountsTruncated: failedAudits.length > MAX_FAILED_ACCOUNTS_IN_SUMMARY,
    reportKey: params.reportKey,
    subject: params.subject,
    ...(params.changes === undefined ? {} : { changes: summarizeChanges(params.changes) }),
  };
}
