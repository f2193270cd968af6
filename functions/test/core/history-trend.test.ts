/**
 * The open-findings trend (core/history.ts): carried from index to index, the last TREND_RUNS
 * full runs, one point per run, and counted over every finding the index keeps.
 */
import { describe, expect, it } from 'vitest';
import {
  buildFindingsIndex,
  countBySeverity,
  type FindingsIndex,
  HISTORY_SCHEMA_VERSION,
  type HistoryFinding,
  type PreviousIndex,
  parseFindingsIndex,
  TREND_RUNS,
  type TrendPoint,
  trendWith,
} from '../../src/core/history';
import { type AccountAudit, type Finding, SCHEMA_VERSION } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';

const A = '111111111111';
const B = '222222222222';
const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

const point = (n: number, bySeverity = zero): TrendPoint => ({
  executionName: `run-${n}`,
  at: new Date(Date.UTC(2026, 0, 1 + n)).toISOString(),
  bySeverity,
});

const index = (trend: readonly TrendPoint[] | undefined, findings: HistoryFinding[] = []): FindingsIndex => ({
  schemaVersion: HISTORY_SCHEMA_VERSION,
  executionName: 'run-prev',
  generatedAt: '2026-11-30T08:00:00.000Z',
  thresholds: DEFAULT_THRESHOLDS,
  previousExecution: null,
  findings,
  ...(trend === undefined ? {} : { trend }),
});
const found = (i: FindingsIndex): PreviousIndex => ({ found: true, index: i });

describe('trendWith', () => {
  it('keeps the last 30 points, oldest first, this run last', () => {
    expect(TREND_RUNS).toBe(30);
    const thirty = Array.from({ length: 30 }, (_, i) => point(i + 1));
    const next = trendWith(found(index(thirty)), point(31));
    expect(next).toHaveLength(30);
    expect(next[0]?.executionName).toBe('run-2');
    expect(next.at(-1)?.executionName).toBe('run-31');
  });

  it("replaces a redriven run's own point instead of adding a second one", () => {
    const before = [point(1), point(2), point(3)];
    const again = { ...point(2), bySeverity: { ...zero, high: 7 } };
    expect(trendWith(found(index(before)), again)).toEqual([point(1), point(3), again]);
  });

  it('adds no point for a run that is not a full run (dry run, rerun, override)', () => {
    const before = [point(1), point(2)];
    expect(trendWith(found(index(before)), null)).toEqual(before);
  });

  it('starts from nothing without a previous index, or one written before trends', () => {
    expect(trendWith({ found: false, reason: 'none yet' }, point(1))).toEqual([point(1)]);
    expect(trendWith({ found: false, reason: 'none yet' }, null)).toEqual([]);
    expect(trendWith(found(index(undefined)), point(1))).toEqual([point(1)]);
  });
});

describe('countBySeverity', () => {
  it('counts every severity, zeros included', () => {
    expect(countBySeverity([{ severity: 'high' }, { severity: 'high' }, { severity: 'info' }])).toEqual({
      ...zero,
      high: 2,
      info: 1,
    });
    expect(countBySeverity([])).toEqual(zero);
  });
});

describe('buildFindingsIndex trend', () => {
  const f = (accountId: string, userName: string, severity: Finding['severity']): Finding => ({
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, '0')}`,
    keySlot: 1,
    status: 'Active',
    createdAt: '2026-06-01T10:00:00.000Z',
    ageDays: 183,
    lastUsedAt: null,
    lastUsedService: null,
    type: 'ROTATION_OVERDUE',
    severity,
  });
  const h = (finding: Finding): HistoryFinding => ({
    accountId: finding.accountId,
    userName: finding.userName,
    accessKeyId: finding.accessKeyId,
    type: finding.type,
    severity: finding.severity,
    firstSeenAt: '2026-11-01T08:00:00.000Z',
  });
  const audited = (accountId: string, findings: Finding[]): AccountAudit => ({
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName: accountId,
    status: 'AUDITED',
    strategy: 'credential-report',
    reportGeneratedAt: null,
    counts: {
      users: 1,
      activeKeys: 1,
      inactiveKeys: 0,
      findings: findings.length,
      exempted: 0,
      apiCalls: {},
    },
    findings,
    exempted: [],
    warnings: [],
  });

  it('counts the findings of accounts not re-checked this run, carried from the previous index', () => {
    // B was seen with two high and one medium finding; this run B FAILED and A has one critical.
    const previous = index(
      [point(1)],
      [h(f(B, 'b1', 'high')), h(f(B, 'b2', 'high')), h(f(B, 'b3', 'medium')), h(f(A, 'gone', 'low'))],
    );
    const failedB: AccountAudit = { ...audited(B, []), status: 'FAILED', strategy: 'none' };
    const now = new Date('2026-12-01T08:00:00.000Z');
    const built = buildFindingsIndex({
      executionName: 'run-today',
      now,
      thresholds: DEFAULT_THRESHOLDS,
      audits: [audited(A, [f(A, 'a1', 'critical')]), failedB],
      previous: found(previous),
    });
    expect(built.trend).toEqual([
      point(1),
      {
        executionName: 'run-today',
        at: now.toISOString(),
        bySeverity: { ...zero, critical: 1, high: 2, medium: 1 },
      },
    ]);
    // And what it writes reads back.
    const parsed = parseFindingsIndex(JSON.stringify(built), 'test');
    expect(parsed.found && parsed.index.trend).toEqual(built.trend);
  });
});
