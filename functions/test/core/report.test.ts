import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { buildReport, REPORT_CSV_COLUMNS, reportToCsv } from '../../src/core/report';
import { audit, finding, META } from '../fixtures/audits';

const A = '222222222222';
const B = '111111111111';
const C = '333333333333';
const D = '444444444444';

/** Planted: B has 3 findings (critical, high, low) + 1 exempted; A has 1 medium; C failed; D skipped. */
const AUDITS = [
  audit({
    accountId: A,
    findings: [finding({ accountId: A, type: 'UNUSED', severity: 'medium' })],
  }),
  audit({
    accountId: B,
    findings: [
      finding({ accountId: B, userName: '<root_account>', type: 'ROOT_ACCESS_KEY', severity: 'critical' }),
      finding({ accountId: B, type: 'ROTATION_OVERDUE', severity: 'high' }),
      finding({ accountId: B, keySlot: 2, type: 'TWO_ACTIVE_KEYS', severity: 'low' }),
    ],
    exempted: [
      finding({
        accountId: B,
        userName: 'svc',
        type: 'ROTATION_OVERDUE',
        severity: 'high',
        exemption: { source: 'tag', reason: 'vendor key', until: '2024-12-31' },
      }),
    ],
  }),
  audit({
    accountId: C,
    status: 'FAILED',
    strategy: 'none',
    reason: 'AssumeRole was denied',
    errorName: 'AuditRoleMissingError',
  }),
  audit({ accountId: D, status: 'SKIPPED', strategy: 'none', reason: 'account is SUSPENDED' }),
];

describe('buildReport', () => {
  const report = buildReport(AUDITS, META);

  it('carries the meta with an ISO date and the schema version', () => {
    expect(report.schemaVersion).toBe(1);
    expect(report.executionName).toBe('daily-2024-06-10');
    expect(report.generatedAt).toBe('2024-06-10T06:00:00.000Z');
    expect(report.dryRun).toBe(false);
    expect(report.reason).toBeNull();
    expect(report.thresholds).toEqual({
      rotationDueSoonDays: 80,
      rotationOverdueDays: 90,
      reminderDays: [90],
    });
  });

  it('sorts accounts by id', () => {
    expect(report.accounts.map((a) => a.accountId)).toEqual([B, A, C, D]);
  });

  it('counts the planted data', () => {
    expect(report.totals).toEqual({
      accounts: 4,
      audited: 2,
      failed: 1,
      skipped: 1,
      findings: 4,
      exempted: 1,
      bySeverity: { critical: 1, high: 1, medium: 1, low: 1, info: 0 },
      byType: {
        ROOT_ACCESS_KEY: 1,
        ROTATION_OVERDUE: 1,
        ROTATION_DUE_SOON: 0,
        REMINDER_DAY: 0,
        UNUSED: 1,
        NEVER_USED: 0,
        TWO_ACTIVE_KEYS: 1,
        INACTIVE_KEY_LINGERING: 0,
      },
      accountsWithFindings: 2,
    });
  });

  it('has totals that add up', () => {
    const { totals } = report;
    expect(totals.audited + totals.failed + totals.skipped).toBe(totals.accounts);
    expect(Object.values(totals.bySeverity).reduce((a, b) => a + b, 0)).toBe(totals.findings);
    expect(Object.values(totals.byType).reduce((a, b) => a + b, 0)).toBe(totals.findings);
  });

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('rejects an account reported twice', () => {
    expect(() => buildReport([audit({ accountId: A }), audit({ accountId: A })], META)).toThrow(
      InvalidInputError,
    );
    expect(() => buildReport([audit({ accountId: A }), audit({ accountId: A })], META)).toThrow(
      /222222222222/,
    );
  });

  it('rejects an invalid generatedAt', () => {
    expect(() => buildReport([], { ...META, generatedAt: new Date(Number.NaN) })).toThrow(/generatedAt/);
  });

  it('builds an empty report', () => {
    const empty = buildReport([], META);
    expect(empty.totals.accounts).toBe(0);
    expect(empty.totals.findings).toBe(0);
    expect(empty.accounts).toEqual([]);
    expect(empty.warnings).toEqual([]);
  });

  it('has no top-level warnings when no account has any', () => {
    expect(report.warnings).toEqual([]);
  });
});

describe('buildReport top-level warnings', () => {
  // The collector's wording when it falls back after a credential report it could not parse.
  const FALLBACK =
    `account ${C}: the credential report could not be used (CredentialReportParseError: ` +
    'the header has no user column); audited user by user instead';

  it('carries one entry for the one account that fell back to the per-user strategy', () => {
    const audits = [
      audit({ accountId: A, accountName: 'Payments' }),
      audit({ accountId: C, accountName: 'Workloads', strategy: 'per-user', warnings: [FALLBACK] }),
      audit({ accountId: D, status: 'FAILED', strategy: 'none', reason: 'denied' }),
    ];
    const built = buildReport(audits, META);
    expect(built.warnings).toEqual([{ accountId: C, accountName: 'Workloads', messages: [FALLBACK] }]);
    // The account keeps its own warnings too, and the whole survives report.json.
    expect(built.accounts.find((a) => a.accountId === C)?.warnings).toEqual([FALLBACK]);
    expect(JSON.parse(JSON.stringify(built))).toEqual(built);
  });

  it('puts the run warnings first, then accounts by id, one entry each, name null when unknown', () => {
    const audits = [
      audit({ accountId: D, accountName: 'Data', warnings: ['d1', 'd2'] }),
      // AuditAccount stores the id as the name when the organization listing had none.
      audit({ accountId: B, accountName: B, warnings: ['b1'] }),
      audit({ accountId: A, accountName: '', warnings: ['a1'] }),
    ];
    const built = buildReport(audits, { ...META, runWarnings: ['a Map iteration named no account'] });
    expect(built.warnings).toEqual([
      { accountId: null, accountName: null, messages: ['a Map iteration named no account'] },
      { accountId: B, accountName: null, messages: ['b1'] },
      { accountId: A, accountName: null, messages: ['a1'] },
      { accountId: D, accountName: 'Data', messages: ['d1', 'd2'] },
    ]);
  });
});

describe('reportToCsv', () => {
  it('writes a header and one row per finding, exempted ones flagged', () => {
    const csv = reportToCsv(buildReport(AUDITS, META));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual([...REPORT_CSV_COLUMNS]);
    // 4 findings + 1 exempted, accounts in id order, findings before exempted within an account.
    expect(rows.map((r) => [r['accountId'], r['type'], r['exempted']])).toEqual([
      [B, 'ROOT_ACCESS_KEY', 'false'],
      [B, 'ROTATION_OVERDUE', 'false'],
      [B, 'TWO_ACTIVE_KEYS', 'false'],
      [B, 'ROTATION_OVERDUE', 'true'],
      [A, 'UNUSED', 'false'],
    ]);
    expect(rows[3]).toEqual({
      accountId: B,
      accountName: `Account ${B}`,
      userName: 'svc',
      userArn: `arn:aws:iam::${B}:user/alice`,
      accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
      keySlot: '1',
      status: 'Active',
      createdAt: '2024-01-01T00:00:00.000Z',
      ageDays: '100',
      lastUsedAt: '2024-04-01T00:00:00.000Z',
      lastUsedService: 's3',
      type: 'ROTATION_OVERDUE',
      severity: 'high',
      exempted: 'true',
      exemptionReason: 'vendor key',
      exemptionUntil: '2024-12-31',
      // No owner was assigned (the report was built without owner routing): an empty cell.
      owner: '',
      // ROTATION_OVERDUE fails CIS 1.14 (access keys rotated every 90 days or less), exempted or not.
      cisControl: '1.14',
    });
  });

  it('names the CIS control each finding fails after owner, and leaves it empty for the rest', () => {
    expect(REPORT_CSV_COLUMNS.slice(-2)).toEqual(['owner', 'cisControl']);
    const rows = parse(reportToCsv(buildReport(AUDITS, META)), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r['type'], r['cisControl']])).toEqual([
      ['ROOT_ACCESS_KEY', '1.4'],
      ['ROTATION_OVERDUE', '1.14'],
      ['TWO_ACTIVE_KEYS', '1.13'],
      ['ROTATION_OVERDUE', '1.14'],
      ['UNUSED', '1.12'],
    ]);
    // One finding of every other type: never used is 1.12; due soon, the reminder day and an
    // inactive key left lying around fail no CIS control.
    const others = ['NEVER_USED', 'ROTATION_DUE_SOON', 'REMINDER_DAY', 'INACTIVE_KEY_LINGERING'] as const;
    const report = buildReport(
      [
        audit({
          accountId: A,
          findings: others.map((type) => finding({ accountId: A, type, severity: 'low' })),
        }),
      ],
      META,
    );
    const csv = reportToCsv(report);
    expect(
      csv
        .split('\r\n')
        .slice(1, -1)
        .map((line) => line.slice(line.lastIndexOf(',') + 1)),
    ).toEqual(['1.12', '', '', '']);
    expect((parse(csv, { columns: true }) as Record<string, string>[]).map((r) => r['cisControl'])).toEqual([
      '1.12',
      '',
      '',
      '',
    ]);
  });

  it('uses CRLF line endings and writes nulls as empty cells', () => {
    const report = buildReport(
      [
        audit({
          accountId: A,
          findings: [
            finding({
              accountId: A,
              accessKeyId: null,
              keySlot: null,
              lastUsedAt: null,
              lastUsedService: null,
            }),
          ],
        }),
      ],
      META,
    );
    const csv = reportToCsv(report);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(3);
    const [row] = parse(csv, { columns: true }) as Record<string, string>[];
    expect(row?.['accessKeyId']).toBe('');
    expect(row?.['keySlot']).toBe('');
    expect(row?.['lastUsedAt']).toBe('');
  });

  it('round-trips names with commas, quotes, line breaks and Unicode', () => {
    const names = ['Prod, EU', 'say "hi"', 'two\nlines', 'cr\r\nlf', 'Zürich 東京 🚀', ''];
    const report = buildReport(
      names.map((accountName, i) =>
        audit({
          accountId: String(100000000000 + i),
          accountName,
          findings: [finding({ accountId: String(100000000000 + i), userName: `u,${i}"` })],
        }),
      ),
      META,
    );
    const rows = parse(reportToCsv(report), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['accountName'])).toEqual(names);
    expect(rows.map((r) => r['userName'])).toEqual(names.map((_, i) => `u,${i}"`));
  });

  it('defuses cells a spreadsheet would evaluate as formulas', () => {
    const dangerous = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', 'safe=1'];
    const report = buildReport(
      dangerous.map((accountName, i) =>
        audit({
          accountId: String(200000000000 + i),
          accountName,
          findings: [finding({ accountId: String(200000000000 + i) })],
        }),
      ),
      META,
    );
    const rows = parse(reportToCsv(report), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['accountName'])).toEqual([
      `'=HYPERLINK("http://x","y")`,
      `'+1+1`,
      `'-2+3`,
      `'@SUM(A1)`,
      `'\tTAB`,
      'safe=1',
    ]);
  });
});
