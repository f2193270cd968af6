/**
 * Audit one account (one Map item): collect and evaluate its keys, keep the full AccountAudit
 * and return only a small summary to the Map.
 *
 * A missing audit role is an expected outcome (the StackSet has not reached the account yet):
 * it is kept and returned as FAILED with the catalogue's fix. Everything else is thrown with its
 * stable error name, so the state machine retries the transient ones and catches the rest.
 */
import { AuditRoleMissingError } from '../core/errors';
import type { ConfigExemption } from '../core/exemptions';
import { FAILURE_FIXES } from '../core/failures';
import { type AccountAudit, type AccountStatus, uncollectedAudit } from '../core/model';
import type { Thresholds } from '../core/thresholds';
import { collectAccountAudit, type StrategyChoice } from './collect-account';
import type { MemberAccounts, RunRecords } from './ports';
import { describeError, type Telemetry, withLogKeys } from './telemetry';

export interface AuditAccountRequest {
  readonly accountId: string;
  readonly executionName: string;
  /** The deployed defaults already merged with the execution's override. */
  readonly thresholds: Thresholds;
}

export interface AuditAccountResult {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly errorName?: string;
  readonly reason?: string;
  readonly resultKey: string;
  readonly findings: number;
}

export interface AuditAccountDependencies {
  readonly members: MemberAccounts;
  readonly records: Pick<RunRecords, 'putAccountAudit'>;
  /** The configured exemptions of every account; this use case picks the account's own. */
  readonly exemptions: readonly ConfigExemption[];
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** @default 'auto' */
  readonly strategy?: StrategyChoice;
  /** Flagged users followed up at once. */
  readonly concurrency?: number;
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
    try {
      const source = await deps.members.open({ accountId, executionName });
      audit = await collectAccountAudit(source, {
        accountId,
        // The event carries only the id; BuildDigest fills in the name from organization.json.
        accountName: accountId,
        thresholds: request.thresholds,
        configExemptions: deps.exemptions.filter((e) => e.accountId === accountId),
        now: deps.now(),
        ...(deps.strategy === undefined ? {} : { strategy: deps.strategy }),
        ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
      });
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
