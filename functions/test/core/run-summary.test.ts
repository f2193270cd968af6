/**
 * The run summary schema (core/run-summary.ts) against its writer, summarizeRun in
 * app/reconcile.ts: the types are checked when this file compiles, the values when it runs.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FAILED_ACCOUNTS_IN_SUMMARY, type RunSummary, summarizeRun } from '../../src/app/reconcile';
import { FINDING_TYPES, uncollectedAudit } from '../../src/core/model';
import type { ReportTotals } from '../../src/core/report';
import { type ParsedRunSummary, RunSummarySchema } from '../../src/core/run-summary';

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

// A field the writer adds but the schema does not name would be stripped from every summary read.
type Unnamed<Written, Read> = Exclude<keyof Written, keyof Read>;
const everyFieldNamed: [Unnamed<RunSummary, ParsedRunSummary>] extends [never] ? true : false = true;
const everyTotalNamed: [Unnamed<RunSummary['totals'], ParsedRunSummary['totals']>] extends [never]
  ? true
  : false = true;
const everyFailedAccountFieldNamed: [
  Unnamed<RunSummary['failedAccounts'][number], ParsedRunSummary['failedAccounts'][number]>,
] extends [never]
  ? true
  : false = true;

const TOTALS: ReportTotals = {
  accounts: 3,
  audited: 1,
  failed: 2,
  skipped: 0,
  findings: 4,
  exempted: 1,
  bySeverity: { critical: 1, high: 2, medium: 1, low: 0, info: 0 },
  byType: Object.fromEntries(FINDING_TYPES.map((type) => [type, 0])) as ReportTotals['byType'],
  accountsWithFindings: 1,
};

function failedAudit(accountId: string, reason: string) {
  return uncollectedAudit({ accountId, accountName: 'ops' }, 'FAILED', {
    errorName: 'AuditRoleMissingError',
    reason,
    fix: 'deploy the audit role',
  });
}

function written(audits: ReturnType<typeof failedAudit>[]): RunSummary {
  return summarizeRun({
    executionName: 'daily-2026-12-01',
    reason: 'after the role rollout',
    dryRun: true,
    totals: TOTALS,
    audits,
    reportKey: 'reports/daily-2026-12-01/report.json',
    subject: '[org-key-audit] 4 keys need attention',
  });
}

describe('RunSummarySchema', () => {
  it('types every summary the writer can produce, and names every field it writes', () => {
    const fits = (summary: RunSummary): DeepReadonly<ParsedRunSummary> => summary;
    expect(fits).toBeTypeOf('function');
    expect([everyFieldNamed, everyTotalNamed, everyFailedAccountFieldNamed]).toEqual([true, true, true]);
  });

  it('reads back exactly what summarizeRun writes, nothing dropped', () => {
    const summary = written([
      failedAudit('222222222222', 'AssumeRole was denied'),
      failedAudit('333333333333', 'x'.repeat(500)),
    ]);
    expect(RunSummarySchema.parse(summary)).toEqual(summary);
  });

  it('reads a summary whose failed-account list was capped', () => {
    const many = Array.from({ length: MAX_FAILED_ACCOUNTS_IN_SUMMARY + 1 }, (_, i) =>
      failedAudit(String(100_000_000_000 + i), 'denied'),
    );
    const read = RunSummarySchema.parse(written(many));
    expect(read.failedAccounts).toHaveLength(MAX_FAILED_ACCOUNTS_IN_SUMMARY);
    expect(read.failedAccountsTruncated).toBe(true);
  });

  it('reads the shape older workflow versions wrote, without reason, dryRun, bySeverity or subject', () => {
    const older = {
      executionName: 'daily-2025-01-01',
      totals: { accounts: 1, audited: 1, failed: 0, skipped: 0, findings: 0, exempted: 0 },
      failedAccounts: [],
      failedAccountsTruncated: false,
    };
    expect(RunSummarySchema.parse(older)).toEqual(older);
  });

  it.each([
    [{ totals: { ...TOTALS, failed: -1 } }, 'totals.failed', 'Too small: expected number to be >=0'],
    [
      { totals: { ...TOTALS, audited: '1' } },
      'totals.audited',
      'Invalid input: expected number, received string',
    ],
    [
      { failedAccounts: [{ accountId: '42', errorName: 'E', reason: 'r' }] },
      'failedAccounts.0.accountId',
      'Invalid string: must match pattern /^\\d{12}$/',
    ],
    [
      { failedAccountsTruncated: 'no' },
      'failedAccountsTruncated',
      'Invalid input: expected boolean, received string',
    ],
  ])('rejects %j naming %s', (change, path, message) => {
    const result = RunSummarySchema.safeParse({ ...written([]), ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[path, message]]);
  });
});
