/**
 * The run summary is written by BuildDigest (functions/src/app/reconcile.ts) and read back by
 * the CLI (cli/src/ops/summary.ts, lenient on purpose: older executions carry older shapes).
 * The two must not drift: what the producer writes, the reader accepts, field for field.
 */
import { type RunSummary, summarizeRun } from '@org-key-audit/functions/app';
import type { ReportTotals } from '@org-key-audit/functions/core';
import { FINDING_TYPES, uncollectedAudit } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import { type ExecutionSummary, parseSummary } from '../src/ops/summary';

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

describe('the run summary contract', () => {
  it('every summary the producer can type is one the reader can type', () => {
    // Compiles only while every RunSummary is an ExecutionSummary (read-only, as it is produced).
    const fits = (summary: RunSummary): DeepReadonly<ExecutionSummary> => summary;
    expect(fits).toBeTypeOf('function');
  });

  it('reads back what summarizeRun writes, failed accounts included', () => {
    const failed = uncollectedAudit({ accountId: '222222222222', accountName: 'ops' }, 'FAILED', {
      errorName: 'AuditRoleMissingError',
      reason: 'the audit role OrgKeyAuditRole is missing',
      fix: 'deploy the audit role',
    });
    const written = summarizeRun({
      executionName: 'daily-2026-12-01',
      reason: null,
      dryRun: false,
      totals: {
        accounts: 2,
        audited: 1,
        failed: 1,
        skipped: 0,
        findings: 3,
        exempted: 0,
        bySeverity: { critical: 1, high: 2, medium: 0, low: 0, info: 0 },
        byType: Object.fromEntries(FINDING_TYPES.map((type) => [type, 0])) as ReportTotals['byType'],
        accountsWithFindings: 1,
      },
      audits: [failed],
      reportKey: 'reports/daily-2026-12-01/report.json',
      subject: '[org-key-audit] 3 keys need attention',
    });
    const read = parseSummary(JSON.stringify(written), 'daily-2026-12-01');
    expect(read.failedAccounts).toEqual([
      {
        accountId: '222222222222',
        errorName: 'AuditRoleMissingError',
        reason: 'the audit role OrgKeyAuditRole is missing',
      },
    ]);
    expect(read.totals).toMatchObject({ accounts: 2, audited: 1, failed: 1, findings: 3 });
    expect(read.reportKey).toBe('reports/daily-2026-12-01/report.json');
  });
});
