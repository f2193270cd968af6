/**
 * Plan the run: list the organization, decide which accounts this run audits and why the others
 * are skipped, and keep both lists. Only counts and keys go back into the state: 10,000 account
 * objects would not fit Step Functions' 256 KiB payload.
 */
import { planAudit } from '../core/audit-plan';
import type { NormalizedInput } from '../core/execution-input';
import type { OrganizationEntry } from '../core/run-layout';
import type { OrganizationSource, RunRecords } from './ports';
import { type Telemetry, withLogKeys } from './telemetry';

export interface PlanRunRequest {
  readonly executionName: string;
  readonly input: NormalizedInput;
}

export interface PlanRunResult {
  readonly bucket: string;
  readonly itemsKey: string;
  readonly organizationKey: string;
  /** Entries in organization.json: the organization, plus requested ids it does not contain. */
  readonly total: number;
  readonly toAudit: number;
  readonly skipped: number;
  /** The Map's MaxConcurrencyPath reads this. */
  readonly maxConcurrency: number;
}

export interface PlanRunDependencies {
  readonly organization: OrganizationSource;
  readonly records: Pick<RunRecords, 'bucket' | 'putItems' | 'putOrganization'>;
  readonly maxConcurrency: number;
  readonly telemetry: Telemetry;
}

export async function planRun(deps: PlanRunDependencies, request: PlanRunRequest): Promise<PlanRunResult> {
  const { log } = deps.telemetry;
  return withLogKeys(log, { executionName: request.executionName }, async () => {
    const accounts = await deps.organization.listAccounts();
    const plan = planAudit(accounts, request.input.accountIds);
    const entries: OrganizationEntry[] = [
      ...plan.toAudit.map((a) => ({
        accountId: a.accountId,
        accountName: a.accountName,
        state: a.state,
        decision: 'AUDIT' as const,
      })),
      ...plan.skipped.map((s) => ({
        accountId: s.account.accountId,
        accountName: s.account.accountName,
        state: s.account.state,
        decision: 'SKIP' as const,
        reason: s.reason,
        fix: s.fix,
      })),
    ];
    const itemsKey = await deps.records.putItems(
      request.executionName,
      plan.toAudit.map((a) => a.accountId),
    );
    const organizationKey = await deps.records.putOrganization(request.executionName, entries);
    const result: PlanRunResult = {
      bucket: deps.records.bucket,
      itemsKey,
      organizationKey,
      total: entries.length,
      toAudit: plan.toAudit.length,
      skipped: plan.skipped.length,
      maxConcurrency: deps.maxConcurrency,
    };
    log.info('organization listed', {
      organizationAccounts: accounts.length,
      toAudit: result.toAudit,
      skipped: result.skipped,
      viaOrgReaderRole: deps.organization.viaOrgReaderRole,
    });
    return result;
  });
}
