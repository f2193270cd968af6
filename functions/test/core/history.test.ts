/**
 * Run history (core/history.ts): the rules a security team relies on, on planted runs. Expected
 * values follow from the planted findings and the rules in docs/architecture.md ("Run history").
 */
import { describe, expect, it } from 'vitest';
import {
  buildFindingsIndex,
  compareRuns,
  type FindingsIndex,
  findingId,
  HISTORY_SCHEMA_VERSION,
  type PreviousIndex,
  parseFindingsIndex,
} from '../../src/core/history';
import { type AccountAudit, type Finding, type FindingType, SCHEMA_VERSION } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';

const A = '111111111111';
const B = '222222222222';
const YESTERDAY = new Date('2026-11-30T08:00:00Z');
const TODAY = new Date('2026-12-01T08:00:00Z');

function finding(accountId: string, userName: string, accessKeyId: string, type: FindingType): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId,
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

function audit(
  accountId: string,
  status: AccountAudit['status'],
  findings: Finding[] = [],
  exempted: Finding[] = [],
): AccountAudit {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName: `acct-${accountId.slice(0, 1)}`,
    status,
    strategy: status === 'AUDITED' ? 'credential-report' : 'none',
    reportGeneratedAt: null,
    counts: {
      users: 2,
      activeKeys: 2,
      inactiveKeys: 0,
      findings: findings.length,
      exempted: 0,
      apiCalls: {},
    },
    findings,
    exempted,
    warnings: [],
  };
}

const bob = finding(A, 'bob', 'AKIABOB0000000000001', 'ROTATION_OVERDUE');
const eve = finding(A, 'eve', 'AKIAEVE0000000000001', 'UNUSED');
const ci = finding(B, 'ci', 'AKIACI00000000000001', 'NEVER_USED');

/** Yesterday's full run: bob and eve in A, ci in B; bob first seen a week before. */
function yesterday(): FindingsIndex {
  const built = buildFindingsIndex({
    executionName: 'run-11-30',
    now: YESTERDAY,
    thresholds: DEFAULT_THRESHOLDS,
    audits: [audit(A, 'AUDITED', [bob, eve]), audit(B, 'AUDITED', [ci])],
    previous: { found: false, reason: 'first run' },
  });
  return {
    ...built,
    findings: built.findings.map((f) =>
      f.userName === 'bob' ? { ...f, firstSeenAt: '2026-11-23T08:00:00.000Z' } : f,
    ),
  };
}
const previous = (): PreviousIndex => ({ found: true, index: yesterday() });
const request = { scope: null, thresholdsOverridden: false, thresholds: DEFAULT_THRESHOLDS, now: TODAY };
const ids = (
  list: readonly { accountId: string; userName: string; accessKeyId: string | null; type: string }[],
) => list.map(findingId).sort();

describe('compareRuns', () => {
  it('marks NEW, STILL OPEN with the days open, and RESOLVED with why', () => {
    const newKey = finding(A, 'dan', 'AKIADAN0000000000001', 'NEVER_USED');
    const changes = compareRuns({
      ...request,
      previous: previous(),
      // bob still overdue; eve gone from the findings; dan new; ci now exempted.
      audits: [audit(A, 'AUDITED', [bob, newKey]), audit(B, 'AUDITED', [], [ci])],
    });
    if (!changes.comparable) throw new Error(changes.reason);
    expect(changes.previousExecution).toBe('run-11-30');
    expect(ids(changes.new)).toEqual(ids([newKey]));
    expect(changes.stillOpen.map((s) => [s.userName, s.firstSeenAt, s.daysOpen])).toEqual([
      ['bob', '2026-11-23T08:00:00.000Z', 8],
    ]);
    expect(changes.resolved.map((r) => [r.finding.userName, r.why.kind]).sort()).toEqual([
      ['ci', 'exempted'],
      ['eve', 'no-longer-reported'],
    ]);
    expect(changes.notRechecked).toEqual([]);
  });

  it('says a finding changed type rather than calling the key fixed', () => {
    const escalated = { ...bob, type: 'ROTATION_DUE_SOON' as const };
    const base = buildFindingsIndex({
      executionName: 'run-11-30',
      now: YESTERDAY,
      thresholds: DEFAULT_THRESHOLDS,
      audits: [audit(A, 'AUDITED', [escalated])],
      previous: { found: false, reason: 'first run' },
    });
    const changes = compareRuns({
      ...request,
      previous: { found: true, index: base },
      audits: [audit(A, 'AUDITED', [bob])],
    });
    if (!changes.comparable) throw new Error(changes.reason);
    expect(changes.resolved.map((r) => r.why)).toEqual([{ kind: 'changed', now: 'ROTATION_OVERDUE' }]);
    expect(ids(changes.new)).toEqual(ids([bob]));
  });

  it('resolves nothing in an account that FAILED or was SKIPPED: its findings are not re-checked', () => {
    for (const status of ['FAILED', 'SKIPPED'] as const) {
      const changes = compareRuns({
        ...request,
        previous: previous(),
        audits: [audit(A, status), audit(B, 'AUDITED', [ci])],
      });
      if (!changes.comparable) throw new Error(changes.reason);
      expect(changes.resolved).toEqual([]);
      expect(ids(changes.notRechecked)).toEqual(ids([bob, eve]));
      expect(ids(changes.stillOpen)).toEqual(ids([ci]));
    }
  });

  it('resolves the findings of an account that left the organization', () => {
    const changes = compareRuns({
      ...request,
      previous: previous(),
      audits: [audit(A, 'AUDITED', [bob, eve])],
    });
    if (!changes.comparable) throw new Error(changes.reason);
    expect(changes.resolved.map((r) => [r.finding.userName, r.why.kind])).toEqual([['ci', 'account-left']]);
  });

  it('compares a rerun of some accounts only within those accounts', () => {
    const changes = compareRuns({
      ...request,
      scope: [B],
      previous: previous(),
      // The rerun audits only B; A's findings are outside its scope, neither resolved nor re-checked.
      audits: [audit(A, 'SKIPPED'), audit(B, 'AUDITED', [])],
    });
    if (!changes.comparable) throw new Error(changes.reason);
    expect(changes.resolved.map((r) => r.finding.userName)).toEqual(['ci']);
    expect(changes.notRechecked).toEqual([]);
    expect(changes.new).toEqual([]);
  });

  it('does not compare a run that overrides thresholds, or whose thresholds changed', () => {
    const audits = [audit(A, 'AUDITED', []), audit(B, 'AUDITED', [])];
    const overridden = compareRuns({ ...request, thresholdsOverridden: true, previous: previous(), audits });
    expect(overridden).toEqual({
      comparable: false,
      reason: 'this run overrides thresholds, so its findings cannot be compared with the last full run',
    });
    const moved = compareRuns({
      ...request,
      thresholds: { ...DEFAULT_THRESHOLDS, rotationOverdueDays: 120 },
      previous: previous(),
      audits,
    });
    expect(moved.comparable).toBe(false);
    if (!moved.comparable)
      expect(moved.reason).toMatch(/thresholds changed since the last full run \(run-11-30\)/);
  });

  it('passes on why there is no previous index', () => {
    const none = compareRuns({
      ...request,
      previous: { found: false, reason: 'no full run yet' },
      audits: [],
    });
    expect(none).toEqual({ comparable: false, reason: 'no full run yet' });
  });
});

describe('buildFindingsIndex', () => {
  it('keeps first-seen dates, and carries the findings of accounts it could not audit', () => {
    const next = buildFindingsIndex({
      executionName: 'run-12-01',
      now: TODAY,
      thresholds: DEFAULT_THRESHOLDS,
      audits: [audit(A, 'AUDITED', [bob]), audit(B, 'FAILED')],
      previous: previous(),
    });
    expect(next.findings.map((f) => [f.userName, f.firstSeenAt]).sort()).toEqual([
      ['bob', '2026-11-23T08:00:00.000Z'],
      ['ci', '2026-11-30T08:00:00.000Z'],
    ]);
    expect(next).toMatchObject({
      schemaVersion: 1,
      executionName: 'run-12-01',
      generatedAt: TODAY.toISOString(),
    });
  });

  it('starts afresh (first seen now) when the previous index used other thresholds', () => {
    const next = buildFindingsIndex({
      executionName: 'run-12-01',
      now: TODAY,
      thresholds: { ...DEFAULT_THRESHOLDS, unusedDays: 60 },
      audits: [audit(A, 'AUDITED', [bob]), audit(B, 'FAILED')],
      previous: previous(),
    });
    expect(next.findings.map((f) => [f.userName, f.firstSeenAt])).toEqual([['bob', TODAY.toISOString()]]);
  });
});

describe('parseFindingsIndex', () => {
  it('reads back what buildFindingsIndex wrote', () => {
    const index = yesterday();
    expect(parseFindingsIndex(JSON.stringify(index), 'history/x.json')).toEqual({ found: true, index });
  });

  it('turns damage and newer schemas into a reason, never an error', () => {
    const where = 'history/runs/run-11-30.json';
    expect(parseFindingsIndex('{not json', where)).toEqual({
      found: false,
      reason: `the previous findings index ${where} is not JSON`,
    });
    expect(
      parseFindingsIndex(
        JSON.stringify({ ...yesterday(), schemaVersion: HISTORY_SCHEMA_VERSION + 1 }),
        where,
      ),
    ).toEqual({
      found: false,
      reason: `the previous findings index ${where} has schema version 2, newer than this version reads (1)`,
    });
    const damaged = { ...yesterday(), findings: [{ ...yesterday().findings[0], accountId: 'nope' }] };
    const result = parseFindingsIndex(JSON.stringify(damaged), where);
    expect(result.found).toBe(false);
    if (!result.found) expect(result.reason).toMatch(/is unreadable \(findings\.0\.accountId: /);
  });
});
