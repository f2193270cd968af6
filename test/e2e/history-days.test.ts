/**
 * Run history over simulated days, end to end: the real ASL and handlers on the emulator, its
 * clock moved a day at a time, and between runs what people do (rotate a key, deactivate one,
 * delete one, create a second key), an account whose role is refused for a day, an `accountIds`
 * rerun, a threshold override and a damaged index. Every expectation follows from the planted
 * keys, the default thresholds (overdue at 90 days, inactive keys linger after 30) and the
 * history rules in docs/architecture.md ("Run history"); none is read back from the product.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Report, RunChanges } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnv, reportOf, runLocal, setFaults, startLocalEnv } from '../support/local-env';
import { summaryOf } from '../support/workflow-assert';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const TEAM_A = '333333333333';
const TEAM_B = '444444444444';
const SANDBOX = '555555555555';
const DAY_1 = '2026-11-02';

const SPEC = {
  now: `${DAY_1}T09:00:00Z`,
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    {
      id: TEAM_A,
      name: 'team-a',
      users: [
        { name: 'alice', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        { name: 'bob', keys: [{ ageDays: 100, lastUsedDaysAgo: 2 }] },
      ],
    },
    {
      id: TEAM_B,
      name: 'team-b',
      users: [
        { name: 'carol', keys: [{ ageDays: 200, lastUsedDaysAgo: null }] },
        { name: 'dave', keys: [{ ageDays: 95, lastUsedDaysAgo: 3 }] },
      ],
    },
    { id: SANDBOX, name: 'sandbox', users: [{ name: 'erin', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] }] },
  ],
};

/** A finding's identity as the history keeps it, for comparing lists. */
type Id = readonly [account: string, user: string, type: string];
const ids = (list: readonly { accountId: string; userName: string; type: string }[]): string[] =>
  list.map((f) => `${f.accountId}/${f.userName}/${f.type}`).sort();
const id = (...[account, user, type]: Id) => `${account}/${user}/${type}`;

function comparable(changes: RunChanges | undefined) {
  if (changes === undefined || !changes.comparable) {
    throw new Error(`expected a comparison, got ${JSON.stringify(changes)}`);
  }
  return changes;
}

describe('run history over six simulated days', () => {
  let env: LocalEnv;
  let s3: S3Client;
  const reports = new Map<string, Report>();
  const subjects = new Map<string, string>();
  let keyOf: (accountId: string, userName: string) => string;

  const admin = (path: string, method: string, body?: unknown): Record<string, unknown> => {
    const answer = env.emulator.admin(path, method, body);
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body as Record<string, unknown>;
  };
  const onDay = (n: number) => admin('/_emulator/clock', 'POST', { now: `2026-11-0${n + 1}T09:00:00Z` });

  async function run(name: string, input: Record<string, unknown> = {}): Promise<Report> {
    const result = await runLocal(env, { input, executionName: name });
    expect(result.status, `${name}: ${result.error ?? ''} ${result.cause ?? ''}`).toBe('SUCCEEDED');
    const report = reportOf(env.emulator, name);
    reports.set(name, report);
    subjects.set(name, summaryOf(result).subject);
    return report;
  }

  beforeAll(async () => {
    env = await startLocalEnv({ preset: 'cases', orgSpec: SPEC });
    s3 = new S3Client({
      region: env.emulator.region,
      endpoint: env.emulator.url,
      forcePathStyle: true,
      credentials: env.emulator.auditor,
    });
    keyOf = (accountId, userName) => {
      const user = env.emulator.state.accounts.get(accountId)?.users.find((u) => u.userName === userName);
      const key = user?.keys[0]?.accessKeyId;
      if (key === undefined) throw new Error(`no key of ${userName} in ${accountId}`);
      return key;
    };

    // Day 1: the first full run; nothing to compare with.
    await run('day-1');

    // Day 2: alice rotates (a new key, the old one deleted); bob deactivates his key.
    onDay(2);
    const aliceOld = keyOf(TEAM_A, 'alice');
    admin(`/_emulator/accounts/${TEAM_A}/access-keys`, 'POST', { userName: 'alice' });
    admin(`/_emulator/accounts/${TEAM_A}/access-keys/${aliceOld}`, 'DELETE');
    admin(`/_emulator/accounts/${TEAM_A}/access-keys/${keyOf(TEAM_A, 'bob')}`, 'POST', {
      status: 'Inactive',
    });
    await run('day-2');

    // Day 3: team B's audit role is refused; then a rerun of team A alone.
    onDay(3);
    setFaults(env.emulator, { assumeRoleDenied: { accounts: [TEAM_B] } });
    await run('day-3');
    await run('day-3-rerun', { accountIds: [TEAM_A], reason: 'rerun team A' });

    // Day 4: team B is back; carol deleted her key meanwhile.
    onDay(4);
    env.resetFaults();
    admin(`/_emulator/accounts/${TEAM_B}/access-keys/${keyOf(TEAM_B, 'carol')}`, 'DELETE');
    await run('day-4');

    // Day 5: a run with a threshold override, then the last index is damaged before the daily run.
    onDay(5);
    await run('day-5-override', { thresholds: { rotationOverdueDays: 100 }, reason: 'what if 100 days' });
    await s3.send(
      new PutObjectCommand({
        Bucket: env.emulator.resources.reportBucket,
        Key: 'history/runs/day-4.json',
        Body: '{"schemaVersion": 1, "findings": [',
      }),
    );
    await run('day-5');

    // Day 6: erin creates a second key; two active keys is a finding on the older one.
    onDay(6);
    admin(`/_emulator/accounts/${SANDBOX}/access-keys`, 'POST', { userName: 'erin' });
    await run('day-6');
  }, 240_000);

  afterAll(async () => {
    s3?.destroy();
    await env?.stop();
  });

  it('day 1: the first full run has nothing to compare with, and says so', () => {
    const changes = reports.get('day-1')?.changes;
    expect(changes).toEqual({ comparable: false, reason: 'no full run has been recorded yet' });
    expect(ids(reports.get('day-1')?.accounts.flatMap((a) => a.findings) ?? [])).toEqual(
      [
        id(TEAM_A, 'alice', 'ROTATION_OVERDUE'),
        id(TEAM_A, 'bob', 'ROTATION_OVERDUE'),
        id(TEAM_B, 'carol', 'NEVER_USED'),
        id(TEAM_B, 'carol', 'ROTATION_OVERDUE'),
        id(TEAM_B, 'dave', 'ROTATION_OVERDUE'),
      ].sort(),
    );
  });

  it('day 2: a rotation and a deactivation resolve, each with why; the deactivated key lingers as NEW', () => {
    const changes = comparable(reports.get('day-2')?.changes);
    expect(changes.previousExecution).toBe('day-1');
    expect(ids(changes.new)).toEqual([id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING')]);
    expect(
      changes.resolved
        .map((r) => [id(r.finding.accountId, r.finding.userName, r.finding.type), r.why])
        .sort(),
    ).toEqual([
      [id(TEAM_A, 'alice', 'ROTATION_OVERDUE'), { kind: 'no-longer-reported' }],
      // His key is reported again, inactive: deactivated.
      [id(TEAM_A, 'bob', 'ROTATION_OVERDUE'), { kind: 'deactivated' }],
    ]);
    expect(ids(changes.stillOpen)).toEqual(
      [
        id(TEAM_B, 'carol', 'NEVER_USED'),
        id(TEAM_B, 'carol', 'ROTATION_OVERDUE'),
        id(TEAM_B, 'dave', 'ROTATION_OVERDUE'),
      ].sort(),
    );
    for (const open of changes.stillOpen) {
      expect(open.firstSeenAt.slice(0, 10)).toBe(DAY_1);
      expect(open.daysOpen).toBe(1);
    }
    expect(changes.notRechecked).toEqual([]);
    // Three keys still open (carol's, dave's, bob's inactive one) in two of the five accounts.
    expect(subjects.get('day-2')).toBe('[org-key-audit] 1 new, 2 resolved, 3 open in 2 of 5 accounts');
  });

  it('day 3: an account that failed resolves nothing; its findings are not re-checked', () => {
    const changes = comparable(reports.get('day-3')?.changes);
    expect(changes.previousExecution).toBe('day-2');
    expect(changes.new).toEqual([]);
    expect(changes.resolved).toEqual([]);
    expect(ids(changes.stillOpen)).toEqual([id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING')]);
    expect(ids(changes.notRechecked)).toEqual(
      [
        id(TEAM_B, 'carol', 'NEVER_USED'),
        id(TEAM_B, 'carol', 'ROTATION_OVERDUE'),
        id(TEAM_B, 'dave', 'ROTATION_OVERDUE'),
      ].sort(),
    );
    expect(subjects.get('day-3')).toBe(
      '[org-key-audit] 0 new, 0 resolved, 1 open in 1 of 5 accounts; 1 account not audited',
    );
  });

  it('day 3: a rerun of some accounts compares only those, and does not become the latest', () => {
    const changes = comparable(reports.get('day-3-rerun')?.changes);
    expect(changes.previousExecution).toBe('day-3');
    expect(ids(changes.stillOpen)).toEqual([id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING')]);
    expect(changes.new).toEqual([]);
    expect(changes.resolved).toEqual([]);
    expect(changes.notRechecked).toEqual([]);
    // Day 4 compares with day 3, not with the rerun.
    expect(comparable(reports.get('day-4')?.changes).previousExecution).toBe('day-3');
  });

  it('day 4: the account is back; a deleted key resolves, and first-seen dates survived the failed day', () => {
    const changes = comparable(reports.get('day-4')?.changes);
    expect(changes.new).toEqual([]);
    expect(
      changes.resolved
        .map((r) => [id(r.finding.accountId, r.finding.userName, r.finding.type), r.why])
        .sort(),
    ).toEqual([
      [id(TEAM_B, 'carol', 'NEVER_USED'), { kind: 'no-longer-reported' }],
      [id(TEAM_B, 'carol', 'ROTATION_OVERDUE'), { kind: 'no-longer-reported' }],
    ]);
    const open = new Map(changes.stillOpen.map((f) => [id(f.accountId, f.userName, f.type), f]));
    expect([...open.keys()].sort()).toEqual(
      [id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING'), id(TEAM_B, 'dave', 'ROTATION_OVERDUE')].sort(),
    );
    expect(open.get(id(TEAM_B, 'dave', 'ROTATION_OVERDUE'))?.daysOpen).toBe(3);
    expect(open.get(id(TEAM_B, 'dave', 'ROTATION_OVERDUE'))?.firstSeenAt.slice(0, 10)).toBe(DAY_1);
    expect(open.get(id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING'))?.daysOpen).toBe(2);
    expect(changes.notRechecked).toEqual([]);
  });

  it('day 5: a threshold override is not compared; a damaged index is a reason, and the run goes on', () => {
    expect(reports.get('day-5-override')?.changes).toEqual({
      comparable: false,
      reason: 'this run overrides thresholds, so its findings cannot be compared with the last full run',
    });
    const damaged = reports.get('day-5')?.changes;
    expect(damaged?.comparable).toBe(false);
    if (damaged?.comparable === false) {
      expect(damaged.reason).toBe(
        `the previous findings index s3://${env.emulator.resources.reportBucket}/history/runs/day-4.json is not JSON`,
      );
    }
    // The digest says it; the run still reports its findings.
    expect(ids(reports.get('day-5')?.accounts.flatMap((a) => a.findings) ?? [])).toEqual(
      [id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING'), id(TEAM_B, 'dave', 'ROTATION_OVERDUE')].sort(),
    );
  });

  it('day 6: the run after the damaged one compares with it; a second key is NEW', () => {
    const changes = comparable(reports.get('day-6')?.changes);
    // Not day-5-override: a run with an override is never stored.
    expect(changes.previousExecution).toBe('day-5');
    expect(ids(changes.new)).toEqual([id(SANDBOX, 'erin', 'TWO_ACTIVE_KEYS')]);
    expect(changes.resolved).toEqual([]);
    const open = new Map(changes.stillOpen.map((f) => [id(f.accountId, f.userName, f.type), f]));
    expect([...open.keys()].sort()).toEqual(
      [id(TEAM_A, 'bob', 'INACTIVE_KEY_LINGERING'), id(TEAM_B, 'dave', 'ROTATION_OVERDUE')].sort(),
    );
    // Day 5 had nothing to compare with, so its findings were first seen on day 5.
    expect(open.get(id(TEAM_B, 'dave', 'ROTATION_OVERDUE'))?.firstSeenAt.slice(0, 10)).toBe('2026-11-06');
    expect(open.get(id(TEAM_B, 'dave', 'ROTATION_OVERDUE'))?.daysOpen).toBe(1);
  });

  it('the trend holds one point per stored full run, oldest first', () => {
    const trend = reports.get('day-6')?.trend ?? [];
    // day-5 started a new history (the damaged index could not be read): day-5, day-6.
    expect(trend.map((p) => p.executionName)).toEqual(['day-5', 'day-6']);
    // Day 6: bob's inactive key (info), dave's overdue key (high), erin's two keys (low).
    expect(trend.at(-1)?.bySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1, info: 1 });
    expect(reports.get('day-4')?.trend?.map((p) => p.executionName)).toEqual([
      'day-1',
      'day-2',
      'day-3',
      'day-4',
    ]);
  });
});
