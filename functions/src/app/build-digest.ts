/**
 * Build the digest: gather the run's records (organization.json, the Map's results, the stored
 * per-account results), account for every organization account exactly once, and keep the
 * report (JSON, CSV) and the digest text. Returns the small summary that becomes the
 * execution's output.
 */
import { type DigestLinks, renderDigest } from '../core/digest';
import type { NormalizedInput } from '../core/execution-input';
import {
  buildFindingsIndex,
  compareRuns,
  type RunChanges,
  type TrendPoint,
  trendWith,
} from '../core/history';
import { type AccountAudit, FINDING_TYPES } from '../core/model';
import { assignOwners, ownerRouting, reportForOwner } from '../core/owner-digests';
import { type AccountOwner, DEFAULT_OWNER_RULES, isRoutedOwner, type OwnerRules } from '../core/owners';
import { buildReport, compareStrings, type Report, reportToCsv } from '../core/report';
import { type MapChildResult, type MapRunRef, type OrganizationEntry, runKeys } from '../core/run-layout';
import type { Thresholds } from '../core/thresholds';
import type { OwnerDigest, RunRecords } from './ports';
import {
  type DeactivationStart,
  type ProposeDeactivationsDependencies,
  proposeDeactivations,
} from './propose-deactivations';
import { outcomesFromMap, type RunSummary, reconcileAccounts, summarizeRun } from './reconcile';
import { type Telemetry, withLogKeys } from './telemetry';

export interface BuildDigestRequest {
  readonly executionName: string;
  readonly executionArn: string;
  readonly input: NormalizedInput;
  readonly organizationKey: string;
  /**
   * The Distributed Map's output (`{ MapRunArn, ResultWriterDetails }`), or an inline Map's
   * array of iteration outputs (the local runner), or null when the Map recorded nothing.
   */
  readonly map: MapRunRef | readonly unknown[] | null;
  /** Why some account owners could not be read when the run was planned (app/account-owners.ts). */
  readonly ownerWarnings?: readonly string[];
}

export interface BuildDigestResult {
  readonly subject: string;
  readonly digestKey: string;
  readonly reportKey: string;
  readonly csvKey: string;
  /** The manifest of the owners' own digests for PublishDigest; null when no owner gets one. */
  readonly ownerDigestsKey: string | null;
  readonly summary: RunSummary;
  /** The deactivation request this run opened, for StartDeactivationRequest; requestId null when none. */
  readonly remediation: {
    readonly requestId: string | null;
    readonly keys: number;
    readonly start: DeactivationStart | null;
  };
}

export interface BuildDigestDependencies {
  readonly records: RunRecords;
  /** The deployed defaults; the report shows them merged with the execution's override. */
  readonly thresholds: Thresholds;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** The AWS console region for the execution link; null leaves the link out. */
  readonly consoleRegion?: string | null;
  /** Who owns which finding, and who gets its own digest. @default DEFAULT_OWNER_RULES */
  readonly owners?: OwnerRules;
  /** Approval-gated deactivation (docs/remediation.md); off when absent or not enabled. */
  readonly remediation?: ProposeDeactivationsDependencies;
}

/** An inline Map returns its iteration outputs as they are: they all count as SUCCEEDED children. */
function inlineChildren(outputs: readonly unknown[]): MapChildResult[] {
  return outputs.map((output) => ({
    status: 'SUCCEEDED',
    executionArn: null,
    input: null,
    output,
    error: null,
    cause: null,
  }));
}

function executionUrl(executionArn: string, region: string | null | undefined): string | undefined {
  if (!region || !executionArn.startsWith('arn:aws:states:')) return undefined;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

/**
 * Compares this run with the last full run and, for a full run (the whole organization, not a
 * dry run, the deployed thresholds), keeps its index for the next. The index is stored before
 * the report, so the report can say if it could not be; a redriven run finds the same previous
 * run again (RunRecords.readPreviousIndex).
 */
async function keepHistory(
  records: RunRecords,
  run: {
    readonly executionName: string;
    readonly input: NormalizedInput;
    readonly audits: readonly AccountAudit[];
    readonly thresholds: Thresholds;
    readonly now: Date;
  },
): Promise<{
  readonly changes: RunChanges;
  readonly warning: string | null;
  readonly trend: readonly TrendPoint[];
}> {
  const overridden = Object.keys(run.input.thresholds).length > 0;
  const previous = await records.readPreviousIndex(run.executionName);
  const changes = compareRuns({
    previous,
    audits: run.audits,
    scope: run.input.accountIds,
    thresholdsOverridden: overridden,
    thresholds: run.thresholds,
    now: run.now,
  });
  if (run.input.dryRun || run.input.accountIds !== null || overridden) {
    return { changes, warning: null, trend: trendWith(previous, null) };
  }
  const index = buildFindingsIndex({
    executionName: run.executionName,
    now: run.now,
    thresholds: run.thresholds,
    audits: run.audits,
    previous,
  });
  const trend = index.trend ?? [];
  try {
    await records.putFindingsIndex(index);
    return { changes, warning: null, trend };
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      changes,
      warning: `the run history could not be stored (${why}); the next run compares with the last run that was`,
      trend,
    };
  }
}

function accountOwnersOf(organization: readonly OrganizationEntry[]): Map<string, AccountOwner> {
  const owners = new Map<string, AccountOwner>();
  for (const entry of organization) {
    if (entry.owner !== undefined && entry.ownerSource !== undefined) {
      owners.set(entry.accountId, { owner: entry.owner, source: entry.ownerSource });
    }
  }
  return owners;
}

/**
 * One digest per routed owner with something to hear: open findings, findings resolved since
 * the last run (the good news is theirs too), or an account of theirs that could not be audited.
 * The security team's full digest is not among them.
 */
function renderOwnerDigests(
  report: Report,
  accountOwners: ReadonlyMap<string, AccountOwner>,
  rules: OwnerRules,
  links: DigestLinks,
): OwnerDigest[] {
  const resolvedOwners = new Set(
    report.changes?.comparable ? report.changes.resolved.map((r) => r.finding.owner) : [],
  );
  // An owner whose account could not be audited hears it too: its list may be incomplete.
  const notAudited = report.accounts
    .filter((a) => a.status !== 'AUDITED')
    .map((a) => accountOwners.get(a.accountId)?.owner);
  const owners = new Set([
    ...(report.owners?.owners ?? []).map((o) => o.owner),
    ...[...resolvedOwners, ...notAudited].filter((o): o is string => o !== undefined),
  ]);
  const digests: OwnerDigest[] = [];
  for (const owner of [...owners].sort(compareStrings)) {
    if (!isRoutedOwner(owner, rules)) continue;
    const own = reportForOwner(report, owner, accountOwners);
    const rendered = renderDigest(own, links, { owner });
    digests.push({
      owner,
      subject: rendered.subject,
      body: rendered.body,
      findings: own.totals.findings,
    });
  }
  return digests;
}

export async function buildDigest(
  deps: BuildDigestDependencies,
  request: BuildDigestRequest,
): Promise<BuildDigestResult> {
  const { log, metrics } = deps.telemetry;
  const { records } = deps;
  return withLogKeys(log, { executionName: request.executionName }, async () => {
    const organization = await records.getOrganization(request.organizationKey);
    const children =
      request.map === null
        ? []
        : Array.isArray(request.map)
          ? inlineChildren(request.map)
          : (await records.readMapResults(request.map as MapRunRef)).children;
    const { byAccount, warnings } = outcomesFromMap(children);
    const toAudit = organization.filter((e) => e.decision === 'AUDIT').map((e) => e.accountId);
    const stored = await records.readAccountResults(request.executionName, toAudit);
    const rules = deps.owners ?? DEFAULT_OWNER_RULES;
    const accountOwners = accountOwnersOf(organization);
    const audits = assignOwners(
      reconcileAccounts({
        organization,
        outcomes: byAccount,
        stored: stored.audits,
        malformed: stored.malformed,
      }),
      accountOwners,
      rules,
    );

    const now = deps.now();
    const thresholds = { ...deps.thresholds, ...request.input.thresholds };
    const {
      changes,
      warning: historyWarning,
      trend,
    } = await keepHistory(records, {
      executionName: request.executionName,
      input: request.input,
      audits,
      thresholds,
      now,
    });
    const enabled = deps.remediation?.settings.enabled === true ? deps.remediation : null;
    const remediation =
      enabled === null
        ? null
        : await proposeDeactivations(enabled, {
            executionArn: request.executionArn,
            proposes: !request.input.dryRun && request.input.accountIds === null,
            audits,
            changes,
            now,
          });
    const report = buildReport(audits, {
      executionName: request.executionName,
      executionArn: request.executionArn,
      generatedAt: now,
      reason: request.input.reason,
      dryRun: request.input.dryRun,
      thresholds,
      runWarnings: [
        ...warnings,
        ...(request.ownerWarnings ?? []),
        ...(historyWarning === null ? [] : [historyWarning]),
      ],
      changes,
      trend,
      owners: ownerRouting(audits, rules),
      ...(remediation === null ? {} : { remediation: remediation.report }),
    });
    const url = executionUrl(request.executionArn, deps.consoleRegion);
    const links = {
      reportUri: `s3://${records.bucket}/${runKeys(request.executionName).report}`,
      ...(url ? { executionUrl: url } : {}),
    };
    const digest = renderDigest(report, links);
    const keys = await records.putReportFiles(request.executionName, {
      report,
      csv: reportToCsv(report),
      digest: digest.body,
    });
    const ownerDigests = renderOwnerDigests(report, accountOwners, rules, links);
    const ownerDigestsKey =
      ownerDigests.length === 0 ? null : await records.putOwnerDigests(request.executionName, ownerDigests);

    const { totals } = report;
    metrics.count('Accounts', totals.audited, { Status: 'AUDITED' });
    metrics.count('Accounts', totals.failed, { Status: 'FAILED' });
    metrics.count('Accounts', totals.skipped, { Status: 'SKIPPED' });
    for (const type of FINDING_TYPES) metrics.count('Findings', totals.byType[type], { FindingType: type });
    metrics.count('ExemptedFindings', totals.exempted);
    if (warnings.length > 0) log.warn('map results with warnings', { warnings: warnings.slice(0, 20) });
    log.info('digest built', {
      accounts: totals.accounts,
      audited: totals.audited,
      failed: totals.failed,
      skipped: totals.skipped,
      findings: totals.findings,
      accountsWithWarnings: report.warnings.filter((w) => w.accountId !== null).length,
    });

    return {
      subject: digest.subject,
      digestKey: keys.digestKey,
      reportKey: keys.reportKey,
      csvKey: keys.csvKey,
      ownerDigestsKey,
      summary: summarizeRun({
        executionName: request.executionName,
        reason: request.input.reason,
        dryRun: request.input.dryRun,
        totals,
        audits,
        reportKey: keys.reportKey,
        subject: digest.subject,
        changes,
      }),
      remediation: {
        requestId: remediation?.start?.requestId ?? null,
        keys: remediation?.report.opened?.keys.length ?? 0,
        start: remediation?.start ?? null,
      },
    };
  });
}
