/**
 * BuildDigest over several days (in-memory records, no SDK): which runs store their findings
 * index, what each run compares with, and that history never fails a run. Expectations follow
 * from the planted audits and the rules in docs/architecture.md ("Run history").
 */
import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/app/build-digest';
import { silentTelemetry } from '../../src/app/telemetry';
import { renderDigest } from '../../src/core/digest';
import { type FindingsIndex, findingId } from '../../src/core/history';
import { type AccountAudit, type Finding, SCHEMA_VERSION } from '../../src/core/model';
import type { Report } from '../../src/core/report';
import { HISTORY_LATEST_KEY, historyIndexKey, type OrganizationEntry } from '../../src/core/run-layout';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryRecords } from './memory-records';

const A = '111111111111';
const B = '222222222222';
const org: OrganizationEntry[] = [A, B].map((accountId) => ({
  accountId,
  accountName: `acct-${accountId.slice(0, 1)}`,
  state: 'ACTIVE',
  decision: 'AUDIT',
}));

function finding(accountId: string, userName: string, type: Finding['type']): Finding {
  return {
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
    type,
    severity: 'high',
  };
}

const audited = (accountId: string, findings: Finding[]): AccountAudit => ({
  schemaVersion: SCHEMA_VERSION,
  accountId,
  accountName: `acct-${accountId.slice(0, 1)}`,
  status: 'AUDITED',
  strategy: 'credential-report',
  reportGeneratedAt: null,
  counts: { users: 2, activeKeys: 2, inactiveKeys: 0, findings: findings.length, exempted: 0, apiCalls: {} },
  findings,
  exempted: [],
  warnings: [],
});

const bob = finding(A, 'bob', 'ROTATION_OVERDUE');
const eve = finding(A, 'eve', 'UNUSED');
const ci = finding(B, 'ci', 'NEVER_USED');
const full = { accountIds: null, dryRun: false, thresholds: {}, reason: null };

/** One BuildDigest run on `day`, starting from the history `before` left. */
async function runOn(
  day: string,
  audits: AccountAudit[],
  before: ReadonlyMap<string, string> = new Map(),
  input: {
    accountIds: string[] | null;
    dryRun: boolean;
    thresholds: Record<string, number>;
    reason: null;
  } = full,
  executionName = `run-${day}`,
) {
  const orgKey = `runs/${executionName}/organization.json`;
  const records = memoryRecords({
    organization: { [orgKey]: org },
    audits,
    texts: Object.fromEntries(before),
  });
  const result = await buildDigest(
    {
      records,
      thresholds: DEFAULT_THRESHOLDS,
      telemetry: silentTelemetry,
      now: () => new Date(`${day}T08:00:00Z`),
    },
    {
      executionName,
      executionArn: `arn:aws:states:eu-west-1:999999999999:execution:x:${executionName}`,
      input,
      organizationKey: orgKey,
      map: [],
    },
  );
  const report = records.reports.get(executionName) as Report;
  return { written: records.written, report, changes: report.changes, summary: result.summary };
}

const names = (list: readonly { userName: string }[] | undefined) =>
  (list ?? []).map((f) => f.userName).sort();
const latestOf = (written: ReadonlyMap<string, string>) =>
  (JSON.parse(written.get(HISTORY_LATEST_KEY) ?? '{}') as { executionName?: string }).executionName;

describe('BuildDigest keeps a run history', () => {
  it('says there is nothing to compare with on the first run, then compares day by day', async () => {
    const day1 = await runOn('2026-11-29', [audited(A, [bob, eve]), audited(B, [ci])]);
    expect(day1.changes).toEqual({ comparable: false, reason: 'no full run has been recorded yet' });
    expect(latestOf(day1.written)).toBe('run-2026-11-29');
    const index = JSON.parse(day1.written.get(historyIndexKey('run-2026-11-29')) ?? '{}') as FindingsIndex;
    expect(index.findings.map(findingId).sort()).toEqual([bob, eve, ci].map(findingId).sort());

    // Day 2: eve's key is fixed, dan appears, B fails.
    const dan = finding(A, 'dan', 'NEVER_USED');
    const failedB = { ...audited(B, []), status: 'FAILED' as const, strategy: 'none' as const };
    const day2 = await runOn('2026-11-30', [audited(A, [bob, dan]), failedB], day1.written);
    if (!day2.changes?.comparable) throw new Error('day 2 must compare');
    expect(day2.changes.previousExecution).toBe('run-2026-11-29');
    expect(names(day2.changes.new)).toEqual(['dan']);
    expect(names(day2.changes.stillOpen)).toEqual(['bob']);
    expect(day2.changes.stillOpen[0]?.daysOpen).toBe(1);
    expect(names(day2.changes.resolved.map((r) => r.finding))).toEqual(['eve']);
    // B failed: ci is not re-checked, and stays in the history for the day B is back.
    expect(names(day2.changes.notRechecked)).toEqual(['ci']);

    const day3 = await runOn('2026-12-01', [audited(A, [bob, dan]), audited(B, [ci])], day2.written);
    if (!day3.changes?.comparable) throw new Error('day 3 must compare');
    expect(names(day3.changes.new)).toEqual([]);
    expect(day3.changes.stillOpen.map((s) => [s.userName, s.daysOpen]).sort()).toEqual([
      ['bob', 2],
      ['ci', 2],
      ['dan', 1],
    ]);
  });

  it('does not store dry runs, reruns of some accounts or threshold overrides', async () => {
    const day1 = await runOn('2026-11-30', [audited(A, [bob]), audited(B, [ci])]);
    const dry = await runOn('2026-12-01', [audited(A, []), audited(B, [ci])], day1.written, {
      ...full,
      dryRun: true,
    });
    expect(latestOf(dry.written)).toBe('run-2026-11-30');
    // A dry run still compares: bob's key was fixed.
    if (!dry.changes?.comparable) throw new Error('a dry run compares');
    expect(names(dry.changes.resolved.map((r) => r.finding))).toEqual(['bob']);

    const rerun = await runOn('2026-12-01', [audited(B, [])], day1.written, { ...full, accountIds: [B] });
    expect(latestOf(rerun.written)).toBe('run-2026-11-30');
    if (!rerun.changes?.comparable) throw new Error('a rerun compares within its accounts');
    expect(names(rerun.changes.resolved.map((r) => r.finding))).toEqual(['ci']);
    expect(rerun.changes.notRechecked).toEqual([]);

    const overridden = await runOn('2026-12-01', [audited(A, [bob]), audited(B, [ci])], day1.written, {
      ...full,
      thresholds: { rotationOverdueDays: 120 },
    });
    expect(latestOf(overridden.written)).toBe('run-2026-11-30');
    expect(overridden.changes?.comparable).toBe(false);
  });

  it('never fails a run over a damaged history, and says why there is no comparison', async () => {
    const damaged = new Map([
      [HISTORY_LATEST_KEY, JSON.stringify({ executionName: 'run-2026-11-30' })],
      [historyIndexKey('run-2026-11-30'), '{"schemaVersion": 1, "findings": "oops"'],
    ]);
    const run = await runOn('2026-12-01', [audited(A, [bob]), audited(B, [])], damaged);
    expect(run.changes).toEqual({
      comparable: false,
      reason: `the previous findings index ${historyIndexKey('run-2026-11-30')} is not JSON`,
    });
    // The run still stores its own index, so tomorrow compares again.
    expect(latestOf(run.written)).toBe('run-2026-12-01');
  });

  it('compares a redriven run with the run before it, not with itself', async () => {
    const day1 = await runOn('2026-11-30', [audited(A, [bob, eve]), audited(B, [])]);
    const day2 = await runOn('2026-12-01', [audited(A, [bob]), audited(B, [])], day1.written);
    const again = await runOn(
      '2026-12-01',
      [audited(A, [bob]), audited(B, [])],
      day2.written,
      full,
      'run-2026-12-01',
    );
    if (!again.changes?.comparable) throw new Error('a redrive compares');
    expect(again.changes.previousExecution).toBe('run-2026-11-30');
    expect(names(again.changes.resolved.map((r) => r.finding))).toEqual(['eve']);
  });
});

describe('the digest leads with the changes', () => {
  it('names NEW and RESOLVED in the subject and the body, and says when there is no comparison', async () => {
    const day1 = await runOn('2026-11-30', [audited(A, [bob, eve]), audited(B, [ci])]);
    const firstDigest = day1.written.get('reports/run-2026-11-30/digest.txt') ?? '';
    expect(firstDigest).toContain(
      'CHANGES\n  No comparison with an earlier run: no full run has been recorded yet.',
    );

    const dan = finding(A, 'dan', 'NEVER_USED');
    const day2 = await runOn('2026-12-01', [audited(A, [bob, dan]), audited(B, [ci])], day1.written);
    const digest = day2.written.get('reports/run-2026-12-01/digest.txt') ?? '';
    const section = digest.slice(
      digest.indexOf('CHANGES SINCE'),
      digest.indexOf('FINDINGS NEEDING ATTENTION'),
    );
    expect(section.split('\n')).toEqual([
      'CHANGES SINCE THE LAST FULL RUN (run-2026-11-30, 2026-11-30)',
      '  NEW (1)',
      '    - 111111111111  dan  AKIA…0000 (key 1, Active)  NEVER_USED (high)  183 days old, never used',
      '  RESOLVED (1)',
      '    - 111111111111  eve  AKIA…0000  UNUSED (high)  first seen 2026-11-30: no longer reported (deleted, rotated, or its user deleted)',
      '',
      '',
    ]);
    // bob, dan and ci stay open: three keys in both accounts.
    const { subject } = renderDigest(day2.report, {});
    // The execution output carries the counts only.
    expect(day2.summary.changes).toEqual({
      comparable: true,
      previousExecution: 'run-2026-11-30',
      new: 1,
      resolved: 1,
      stillOpen: 2,
      notRechecked: 0,
    });
    expect(subject).toBe('[org-key-audit] 1 new, 1 resolved, 3 open in 2 of 2 accounts');
  });
});
