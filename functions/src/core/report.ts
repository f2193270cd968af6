/**
 * The full report of one run: JSON for machines and the digest, CSV for people with a
 * spreadsheet. It is the only place where key ids appear in full (the email masks them).
 */

import { CIS_CONTROL_OF } from './asff';
import { InvalidInputError } from './errors';
import type { RunChanges, TrendPoint } from './history';
import {
  type AccountAudit,
  FINDING_TYPES,
  type Finding,
  type FindingType,
  SCHEMA_VERSION,
  SEVERITIES,
  type Severity,
} from './model';
import type { RemediationReport } from './remediation';

/** Thresholds as configured for the run; any record, so that partial overrides render too. */
export type ThresholdsRecord = Readonly<Record<string, unknown>>;

export interface ReportMeta {
  readonly executionName: string;
  readonly executionArn: string | null;
  readonly generatedAt: Date;
  /** Why the run was started (console reruns); null for the schedule. */
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly thresholds: ThresholdsRecord;
  /** Warnings about the run itself rather than one account (BuildDigest: Map records it could not use). */
  readonly runWarnings?: readonly string[];
  /** What changed since the last full run; left out of the report when not given. */
  readonly changes?: RunChanges;
  /** The open-findings trend of the last full runs (core/history.ts); left out when not given. */
  readonly trend?: readonly TrendPoint[];
  /** Who got which findings (core/owners.ts); left out when not given. */
  readonly owners?: OwnerRouting;
  /** Approval-gated deactivation; left out when remediation is off. */
  readonly remediation?: RemediationReport;
}

/** The owners of this run's findings, and which of them have their own subscription. */
export interface OwnerRouting {
  /** The owner the security team's findings are filed under. */
  readonly securityTeam: string;
  /** Every owner with open findings, routed or not, sorted by name. */
  readonly owners: readonly {
    readonly owner: string;
    readonly findings: number;
    /** True when the owner has a subscription and was sent its own digest. */
    readonly routed: boolean;
  }[];
}

/**
 * The run's warnings, one entry per account that has any (its `warnings`, e.g. "audited user by
 * user instead" after a credential report could not be read), after one entry for the run's own.
 */
export interface ReportWarning {
  /** Null for the run's own warnings, which are about no single account. */
  readonly accountId: string | null;
  /** Null when not known (the organization listing had no name) and for the run's own warnings. */
  readonly accountName: string | null;
  /** In the order they were raised; never empty. */
  readonly messages: readonly string[];
}

/**
 * Counts over the whole run. `findings`, `bySeverity` and `byType` count findings that need
 * attention; exempted findings are counted only in `exempted`, so the totals add up:
 * sum(bySeverity) = sum(byType) = findings.
 */
export interface ReportTotals {
  readonly accounts: number;
  readonly audited: number;
  readonly failed: number;
  readonly skipped: number;
  readonly findings: number;
  readonly exempted: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byType: Readonly<Record<FindingType, number>>;
  /** Accounts with at least one finding that needs attention (exempted ones do not count). */
  readonly accountsWithFindings: number;
}

export interface Report {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly executionName: string;
  readonly executionArn: string | null;
  /** ISO-8601, UTC. */
  readonly generatedAt: string;
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly thresholds: ThresholdsRecord;
  readonly totals: ReportTotals;
  /** The run's own warnings first, then accounts' in account id order; empty when none. */
  readonly warnings: readonly ReportWarning[];
  /** Sorted by account id, so two runs over the same organization diff cleanly. */
  readonly accounts: readonly AccountAudit[];
  /** What changed since the last full run (core/history.ts); absent in reports older than it. */
  readonly changes?: RunChanges;
  /** Open findings by severity over the last full runs, oldest first; absent before history. */
  readonly trend?: readonly TrendPoint[];
  /** Owners and their routing; absent in reports older than owners. */
  readonly owners?: OwnerRouting;
  /** Approval-gated deactivation (docs/remediation.md); absent when it is off. */
  readonly remediation?: RemediationReport;
}

/**
 * Aggregates per-account results into the report.
 * @throws InvalidInputError when generatedAt is not a valid date or an account appears twice.
 */
export function buildReport(audits: readonly AccountAudit[], meta: ReportMeta): Report {
  if (Number.isNaN(meta.generatedAt.getTime())) {
    throw new InvalidInputError(
      'buildReport: meta.generatedAt is an invalid Date; pass the run time as a Date.',
    );
  }
  const seen = new Set<string>();
  for (const audit of audits) {
    if (seen.has(audit.accountId)) {
      throw new InvalidInputError(
        `buildReport: account ${audit.accountId} appears twice in the results; each account must end in exactly one result.`,
        { accountId: audit.accountId },
      );
    }
    seen.add(audit.accountId);
  }
  const accounts = [...audits].sort((a, b) => compareStrings(a.accountId, b.accountId));
  return {
    schemaVersion: SCHEMA_VERSION,
    executionName: meta.executionName,
    executionArn: meta.executionArn,
    generatedAt: meta.generatedAt.toISOString(),
    reason: meta.reason,
    dryRun: meta.dryRun,
    thresholds: meta.thresholds,
    totals: computeTotals(accounts),
    warnings: collectWarnings(accounts, meta.runWarnings),
    accounts,
    ...(meta.changes === undefined ? {} : { changes: meta.changes }),
    ...(meta.trend === undefined ? {} : { trend: meta.trend }),
    ...(meta.owners === undefined ? {} : { owners: meta.owners }),
    ...(meta.remediation === undefined ? {} : { remediation: meta.remediation }),
  };
}

/** The report's top-level warnings: the run's own, then one entry per account with warnings. */
export function collectWarnings(
  audits: readonly AccountAudit[],
  runWarnings: readonly string[] = [],
): ReportWarning[] {
  const warnings: ReportWarning[] = [];
  if (runWarnings.length > 0)
    warnings.push({ accountId: null, accountName: null, messages: [...runWarnings] });
  for (const audit of audits) {
    if (audit.warnings.length === 0) continue;
    // AuditAccount stores the id as the name; reconcile puts the organization's name in when it has one.
    const named = audit.accountName !== '' && audit.accountName !== audit.accountId;
    warnings.push({
      accountId: audit.accountId,
      accountName: named ? audit.accountName : null,
      messages: [...audit.warnings],
    });
  }
  return warnings;
}

export function computeTotals(audits: readonly AccountAudit[]): ReportTotals {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byType = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0])) as Record<FindingType, number>;
  let audited = 0;
  let failed = 0;
  let skipped = 0;
  let findings = 0;
  let exempted = 0;
  let accountsWithFindings = 0;
  for (const audit of audits) {
    if (audit.status === 'AUDITED') audited++;
    else if (audit.status === 'FAILED') failed++;
    else skipped++;
    findings += audit.findings.length;
    exempted += audit.exempted.length;
    if (audit.findings.length > 0) accountsWithFindings++;
    for (const finding of audit.findings) {
      bySeverity[finding.severity]++;
      byType[finding.type]++;
    }
  }
  return {
    accounts: audits.length,
    audited,
    failed,
    skipped,
    findings,
    exempted,
    bySeverity,
    byType,
    accountsWithFindings,
  };
}

export const REPORT_CSV_COLUMNS = [
  'accountId',
  'accountName',
  'userName',
  'userArn',
  'accessKeyId',
  'keySlot',
  'status',
  'createdAt',
  'ageDays',
  'lastUsedAt',
  'lastUsedService',
  'type',
  'severity',
  'exempted',
  'exemptionReason',
  'exemptionUntil',
  'owner',
  /** The CIS AWS Foundations Benchmark v3.0.0 control the finding fails (core/asff.ts); empty when none. */
  'cisControl',
] as const;

type CsvCell = string | number | boolean | null;

/**
 * One row per finding, exempted ones included (column `exempted`); RFC 4180 (CRLF, quotes doubled).
 * Text cells that a spreadsheet would run as a formula are prefixed with `'`: account and user
 * names come from member accounts, which the audit team does not control.
 */
export function reportToCsv(report: Report): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const account of report.accounts) {
    const rows = [
      ...account.findings.map((f) => [f, false] as const),
      ...account.exempted.map((f) => [f, true] as const),
    ];
    for (const [finding, exempted] of rows) {
      lines.push(csvRow(account, finding, exempted).map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

function csvRow(account: AccountAudit, f: Finding, exempted: boolean): CsvCell[] {
  return [
    account.accountId,
    account.accountName,
    f.userName,
    f.userArn,
    f.accessKeyId,
    f.keySlot,
    f.status,
    f.createdAt,
    f.ageDays,
    f.lastUsedAt,
    f.lastUsedService,
    f.type,
    f.severity,
    exempted,
    f.exemption?.reason ?? null,
    f.exemption?.until ?? null,
    f.owner ?? null,
    CIS_CONTROL_OF[f.type],
  ];
}

/** Leading characters that make Excel, LibreOffice or Sheets evaluate a cell (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: CsvCell): string {
  if (value === null) return '';
  // Numbers and booleans are written by us, never by a member account: no formula guard needed.
  if (typeof value !== 'string') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** Code-unit order: locale-independent, so the same input sorts the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
