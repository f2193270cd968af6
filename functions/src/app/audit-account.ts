/**
 * Audit one account (one Map item): collect and evaluate its keys, keep the full AccountAudit
 * and return only a small summary to the Map.
 *
 * A missing audit role is an expected outcome (the StackSet has not reached the account yet):
 * it is kept and returned as FAILED with the catalogue's fix. Everything else is thrown with its
 * stable error name, so the state machine retries the transient ones and catches the rest.
 */
import type { ContinuationToken, TimeBudget } from '../core/continuation';
import { AuditRoleMissingError, MalformedDataError } from '../core/errors';
import type { ConfigExemption } from '../core/exemptions';
import { FAILURE_FIXES } from '../core/failures';
import { type AccountAudit, type AccountStatus, uncollectedAudit } from '../core/model';
import type { Thresholds } from '../core/thresholds';
import { collectAccountStep, type StrategyChoice } from './collect-account';
import type { MemberAccounts, RunRecords } from './ports';
import { describeError, type Telemetry, withLogKeys } from './telemetry';

export interface AuditAccountRequest {
  readonly accountId: string;
  readonly executionName: string;
  /** The deployed defaults already merged with the execution's override. */
  readonly thresholds: Thresholds;
  /** Where an earlier invocation of this run stopped; null or unset for the first. */
  readonly continuation?: ContinuationToken | null;
  /** This invocation's time (the Lambda context); unset: no deadline, the account in one go. */
  readonly budget?: TimeBudget;
}

/** The account is done: AUDITED, or FAILED/SKIPPED with why; its result is stored at `resultKey`. */
export interface AuditAccountDone {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly errorName?: string;
  readonly reason?: string;
  readonly resultKey: string;
  readonly findings: number;
}

/** Not done: the child workflow invokes AuditAccount again with `continuation`. */
export interface AuditAccountContinues {
  readonly accountId: string;
  readonly status: 'CONTINUE';
  readonly continuation: ContinuationToken;
  /** Flagged users still to follow up, for the logs and the console. */
  readonly pending: number;
}

export type AuditAccountResult = AuditAccountDone | AuditAccountContinues;

export interface AuditAccountDependencies {
  readonly members: MemberAccounts;
  readonly records: Pick<RunRecords, 'putAccountAudit' | 'putCheckpoint' | 'getCheckpoint'>;
  /** The configured exemptions of every account; this use case picks the account's own. */
  readonly exemptions: readonly ConfigExemption[];
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** @default 'auto' */
  readonly strategy?: StrategyChoice;
  /** Flagged users followed up at once. */
  readonly concurrency?: number;
  /** The IAM user tag naming a finding's owner (core/owners.ts); null reads none. */
  readonly ownerTagKey?: string | null;
}

function roleMissingAudit(accountId: string, error: AuditRoleMissingError): AccountAudit {
  // The event carries only the id; BuildDigest fills in the name from organization.json.
  return uncollectedAudit({ accountId, accountName: accountId }, 'FAILED', {
    errorName: error.name,
    reason: error.message,
    fix: FAILURE_FIXES['AuditRoleMissingError'] as string,
  });
}

export async function auditAccount(
  deps: AuditAccountDependencies,
  request: AuditAccountRequest,
): Promise<AuditAccountResult> {
  const { log } = deps.telemetry;
  const { accountId, executionName } = request;
  return withLogKeys(log, { executionName, accountId }, async () => {
    let audit: AccountAudit;
    const iteration = (request.continuation?.iteration ?? 0) + 1;
    try {
      const resume =
        request.continuation === undefined || request.continuation === null
          ? undefined
          : await deps.records.getCheckpoint(request.continuation.key);
      if (resume !== undefined && resume.accountId !== accountId) {
        // A token of another account would audit this one from the other's data.
        throw new MalformedDataError(
          `the audit checkpoint ${request.continuation?.key} belongs to account ${resume.accountId}, not ${accountId}`,
          { accountId },
        );
      }
      const source = await deps.members.open({ accountId, executionName });
      const step = await collectAccountStep(
        source,
        {
          accountId,
          // The event carries only the id; BuildDigest fills in the name from organization.json.
          accountName: accountId,
          thresholds: request.thresholds,
          configExemptions: deps.exemptions.filter((e) => e.accountId === accountId),
          now: deps.now(),
          ...(deps.strategy === undefined ? {} : { strategy: deps.strategy }),
          ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
          ...(deps.ownerTagKey === undefined ? {} : { ownerTagKey: deps.ownerTagKey }),
        },
        {
          ...(request.budget === undefined ? {} : { budget: request.budget }),
          ...(resume === undefined ? {} : { resume }),
        },
      );
      if (!step.done) {
        // Only a checkpoint is kept: a partial account is never stored as its result.
        const key = await deps.records.putCheckpoint(executionName, step.checkpoint);
        log.info('account audit continues', {
          iteration,
          pending: step.checkpoint.pending.length,
          apiCalls: step.checkpoint.apiCalls,
        });
        return {
          accountId,
          status: 'CONTINUE',
          continuation: { key, iteration },
          pending: step.checkpoint.pending.length,
        };
      }
      audit = step.audit;
    } catch (error) {
      if (!(error instanceof AuditRoleMissingError)) {
        log.error('account audit failed', describeError(error));
        throw error;
      }
      log.warn('audit role missing', describeError(error));
      audit = roleMissingAudit(accountId, error);
    }
    const resultKey = await deps.records.putAccountAudit(executionName, audit);
    log.info('account audited', {
      iterations: iteration,
      status: audit.status,
      strategy: audit.strategy,
      findings: audit.findings.length,
      exempted: audit.exempted.length,
      apiCalls: audit.counts.apiCalls,
    });
    return {
      accountId,
      status: audit.status,
      ...(audit.errorName === undefined ? {} : { errorName: audit.errorName }),
      ...(audit.reason === undefined ? {} : { reason: audit.reason }),
      resultKey,
      findings: audit.findings.length,
    };
  });
}
