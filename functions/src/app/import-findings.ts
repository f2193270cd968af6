/**
 * Import the run's findings into the audit account's Security Hub (README.md, "Integrations"): every
 * open finding of an audited account as ACTIVE and FAILED, in batches of at most 100; and every
 * finding this product imported earlier that is gone now as ARCHIVED and PASSED, read back from
 * Security Hub itself (so a missed run, a damaged history or a dry run in between changes
 * nothing). An account that was not audited this run archives nothing: its findings were not
 * re-checked. Findings Security Hub refuses are sent once more; any still refused fail the step
 * with their count, so the state machine's Catch reports them.
 */
import {
  type AsffFinding,
  archivedAsff,
  asffBatches,
  defaultProductArn,
  memberAccountOf,
  toAsff,
} from '../core/asff';
import { FindingsImportError } from '../core/errors';
import { findingId } from '../core/history';
import type { Report } from '../core/report';
import type { FindingsHub, RefusedFinding, RunRecords, StoredAsffFinding } from './ports';
import { type Telemetry, withLogKeys } from './telemetry';

export interface ImportFindingsRequest {
  readonly executionName: string;
  readonly executionArn: string;
  readonly reportKey: string;
}

export interface ImportFindingsResult {
  readonly status: 'IMPORTED' | 'DISABLED';
  /** Open findings sent as ACTIVE. */
  readonly imported: number;
  /** Earlier findings sent as ARCHIVED. */
  readonly archived: number;
}

export interface ImportFindingsDependencies {
  readonly records: Pick<RunRecords, 'getText'>;
  /** Null when Security Hub is off in the configuration: the step does nothing. */
  readonly hub: (() => FindingsHub) | null;
  readonly auditAccountId: string;
  readonly region: string;
  readonly partition?: 'aws' | 'aws-cn' | 'aws-us-gov';
  readonly now: () => Date;
  readonly telemetry: Telemetry;
}

/** Open findings of the audited accounts, with first-seen times from the run history. */
export function currentFindings(
  report: Report,
  ctx: { auditAccountId: string; region: string; partition?: 'aws' | 'aws-cn' | 'aws-us-gov'; now: string },
): AsffFinding[] {
  const firstSeen = new Map<string, string>();
  if (report.changes?.comparable) {
    for (const f of report.changes.stillOpen) firstSeen.set(findingId(f), f.firstSeenAt);
    for (const f of report.changes.new) firstSeen.set(findingId(f), f.firstSeenAt);
  }
  const findings: AsffFinding[] = [];
  for (const account of report.accounts) {
    if (account.status !== 'AUDITED') continue;
    for (const finding of account.findings) {
      findings.push(
        toAsff(
          { finding, firstSeenAt: firstSeen.get(findingId(finding)), accountName: account.accountName },
          ctx,
        ),
      );
    }
  }
  return findings;
}

/**
 * This product's active findings that the run shows gone: in an audited account (or an account no
 * longer in the organization) and not reported now. Accounts not audited keep theirs.
 */
export function findingsToArchive(
  report: Report,
  active: readonly StoredAsffFinding[],
  current: ReadonlySet<string>,
): StoredAsffFinding[] {
  const status = new Map(report.accounts.map((a) => [a.accountId, a.status]));
  return active.filter((f) => {
    if (f.Id === undefined || current.has(f.Id)) return false;
    const member = memberAccountOf(f);
    if (member === null) return false;
    const s = status.get(member);
    return s === undefined || s === 'AUDITED';
  });
}

export async function importFindings(
  deps: ImportFindingsDependencies,
  request: ImportFindingsRequest,
): Promise<ImportFindingsResult> {
  const { log } = deps.telemetry;
  return withLogKeys(log, { executionName: request.executionName }, async () => {
    if (deps.hub === null) {
      log.info('Security Hub import is off');
      return { status: 'DISABLED', imported: 0, archived: 0 };
    }
    const hub = deps.hub();
    const report = JSON.parse(await deps.records.getText(request.reportKey)) as Report;
    const now = deps.now().toISOString();
    const ctx = {
      auditAccountId: deps.auditAccountId,
      region: deps.region,
      ...(deps.partition === undefined ? {} : { partition: deps.partition }),
      now,
    };
    const current = currentFindings(report, ctx);
    const currentIds = new Set(current.map((f) => f.Id));
    const active = await hub.activeFindings(defaultProductArn(ctx));
    const archived = findingsToArchive(report, active, currentIds).map((f) => archivedAsff(f, now));
    const all: object[] = [...current, ...archived];

    const refused: RefusedFinding[] = [];
    for (const batch of asffBatches(all)) refused.push(...(await hub.importBatch(batch)).failed);
    let stillRefused: readonly RefusedFinding[] = [];
    if (refused.length > 0) {
      // Once more, only the refused ones: a refusal can be transient (InternalFailure).
      const byId = new Map(all.map((f) => [(f as { Id: string }).Id, f]));
      const again = refused.map((r) => byId.get(r.id)).filter((f): f is object => f !== undefined);
      const retried: RefusedFinding[] = [];
      for (const batch of asffBatches(again)) retried.push(...(await hub.importBatch(batch)).failed);
      stillRefused = retried;
      log.warn('Security Hub refused findings', { refused: refused.length, stillRefused: retried.length });
    }
    if (stillRefused.length > 0) {
      const codes = [...new Set(stillRefused.map((r) => r.code))].join(', ');
      const first = stillRefused[0];
      throw new FindingsImportError(
        `Security Hub refused ${stillRefused.length} of ${all.length} findings after one retry (${codes}; first: ${first?.id}: ${first?.message}); the others were imported`,
      );
    }
    log.info('findings imported into Security Hub', { imported: current.length, archived: archived.length });
    return { status: 'IMPORTED', imported: current.length, archived: archived.length };
  });
}
