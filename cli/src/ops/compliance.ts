/**
 * The compliance view of a report: for each CIS AWS Foundations Benchmark v3.0.0 control this
 * audit covers (1.4, 1.12, 1.13, 1.14), which accounts pass, which fail and why, which could
 * not be assessed, and which findings are excepted (exempted) with their reason and expiry.
 * Pure: the HTML and Markdown reports render it.
 *
 * - In scope: the AUDITED accounts. The audit reads every IAM user of an audited account (and its
 *   root access keys), so an audited account is assessed for every control.
 * - Failing: an account in scope with at least one open finding of the control (CIS_CONTROL_OF).
 * - Passing: every other account in scope. An exempted finding does not fail its control; it is
 *   listed as an exception instead, so a reader sees what the pass rests on.
 * - Not assessed: the FAILED and SKIPPED accounts, with their reason. They count neither way.
 */
import type { AccountAudit, Finding, Report } from '@org-key-audit/functions/core';
import {
  CIS_CONTROL_OF,
  CIS_CONTROLS,
  CIS_STANDARD,
  type CisControl,
  compareStrings,
} from '@org-key-audit/functions/core';

export { CIS_STANDARD };

export interface FailingAccount {
  readonly accountId: string;
  /** Empty when the organization listing had no name (or the name is the id). */
  readonly accountName: string;
  /** Open findings of this control in the account. */
  readonly findings: number;
}

export interface NotAssessedAccount {
  readonly accountId: string;
  readonly accountName: string;
  readonly status: 'FAILED' | 'SKIPPED';
  /** Why the account was not audited; empty when the report does not say. */
  readonly reason: string;
}

export interface ControlException {
  readonly accountId: string;
  readonly accountName: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: Finding['type'];
  readonly reason: string;
  /** Last day (UTC, inclusive) the exemption applies, YYYY-MM-DD; empty when the report has none. */
  readonly until: string;
  readonly source: string;
}

export interface ControlCompliance {
  readonly control: CisControl;
  /** The finding types that fail this control. */
  readonly findingTypes: readonly Finding['type'][];
  /** AUDITED accounts. */
  readonly inScope: number;
  /** Accounts in scope with no open finding of this control (inScope − failing.length). */
  readonly passing: number;
  /** Sorted by account id. */
  readonly failing: readonly FailingAccount[];
  /** FAILED and SKIPPED accounts, sorted by account id; the same for every control. */
  readonly notAssessed: readonly NotAssessedAccount[];
  /** Exempted findings of this control, by account id, then user. */
  readonly exceptions: readonly ControlException[];
  /**
   * Set when the run's threshold for this control is looser than the benchmark's (e.g. keys
   * flagged as overdue from 120 days instead of 90): the view then under-reports failures.
   */
  readonly thresholdNote: string | null;
}

/** What the benchmark asks, per threshold the run was configured with (core/thresholds.ts). */
const CIS_LIMITS: Partial<Record<CisControl['id'], { readonly threshold: string; readonly days: number }>> = {
  '1.12': { threshold: 'unusedDays', days: 45 },
  '1.14': { threshold: 'rotationOverdueDays', days: 90 },
};

const nameOf = (a: AccountAudit) => (a.accountName === a.accountId ? '' : a.accountName);

function thresholdNote(control: CisControl['id'], thresholds: Report['thresholds']): string | null {
  const limit = CIS_LIMITS[control];
  if (limit === undefined) return null;
  // Absent means the default, which is the benchmark's own limit.
  const value = thresholds[limit.threshold];
  if (typeof value !== 'number' || value <= limit.days) return null;
  return `This run used ${limit.threshold} = ${value}; CIS ${control} asks for ${limit.days} days, so keys between ${limit.days} and ${value} days were not counted as failing.`;
}

export function complianceView(report: Report): ControlCompliance[] {
  const accounts = [...report.accounts].sort((a, b) => compareStrings(a.accountId, b.accountId));
  const audited = accounts.filter((a) => a.status === 'AUDITED');
  const notAssessed: NotAssessedAccount[] = accounts
    .filter((a) => a.status !== 'AUDITED')
    .map((a) => ({
      accountId: a.accountId,
      accountName: nameOf(a),
      status: a.status as 'FAILED' | 'SKIPPED',
      reason: a.reason ?? '',
    }));
  return CIS_CONTROLS.map((control) => {
    const ofControl = (f: Finding) => CIS_CONTROL_OF[f.type] === control.id;
    const failing: FailingAccount[] = [];
    for (const account of audited) {
      const findings = account.findings.filter(ofControl).length;
      if (findings > 0)
        failing.push({ accountId: account.accountId, accountName: nameOf(account), findings });
    }
    const exceptions: ControlException[] = accounts
      .flatMap((account) =>
        account.exempted.filter(ofControl).map((f) => ({
          accountId: account.accountId,
          accountName: nameOf(account),
          userName: f.userName,
          accessKeyId: f.accessKeyId,
          type: f.type,
          reason: f.exemption?.reason ?? '',
          until: f.exemption?.until ?? '',
          source: f.exemption?.source ?? '',
        })),
      )
      .sort(
        (a, b) =>
          compareStrings(a.accountId, b.accountId) ||
          compareStrings(a.userName, b.userName) ||
          compareStrings(a.accessKeyId ?? '', b.accessKeyId ?? ''),
      );
    return {
      control,
      findingTypes: (Object.keys(CIS_CONTROL_OF) as Finding['type'][]).filter(
        (t) => CIS_CONTROL_OF[t] === control.id,
      ),
      inScope: audited.length,
      passing: audited.length - failing.length,
      failing,
      notAssessed,
      exceptions,
      thresholdNote: thresholdNote(control.id, report.thresholds),
    };
  });
}

/** The line under the compliance heading: scope and what the counts mean. */
export const COMPLIANCE_SCOPE_TEXT =
  'In scope: the accounts audited in this run; the audit covers every IAM user of each, and the root user’s access keys. ' +
  'An account fails a control with at least one open finding of it, and passes otherwise; exempted findings do not fail a control and are listed as exceptions. ' +
  'Accounts that failed or were skipped are not assessed. Only access keys are audited (for 1.12, console passwords are not).';
