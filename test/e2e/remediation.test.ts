/**
 * Approval-gated deactivation end to end (docs/remediation.md): the real audit ASL and handlers on
 * the emulator with remediation deployed, the real RemediateKeys ASL hosted by the emulator's Step
 * Functions (AwaitApproval waits on a real task token), and the real `keyaudit` binary as the
 * security engineer, with the synthesized templates' policies enforced. Every expectation follows from the planted keys, the default criteria
 * (ROTATION_OVERDUE ≥ 365, UNUSED ≥ 180, NEVER_USED ≥ 30 days, 7 days' notice) and whole UTC
 * days; none is read back from the product except the request id, which names what to approve.
 */
import type { Report } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestTextOf } from '../support/local-env';
import { type RemediationEnv, startRemediationEnv } from '../support/remediation-env';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const PROD = '333333333333';
const NEWCO = '444444444444';
const DAY_1 = '2026-11-24T09:00:00Z';
const DAY_9 = '2026-12-02T09:00:00Z';
const DAY_10 = '2026-12-03T09:00:00Z';

// Ages on day 1; on day 9 each key is 8 days older.
const SPEC = {
  now: DAY_1,
  remediationRole: true,
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    {
      id: PROD,
      name: 'prod',
      rootKeys: [{ ageDays: 600, lastUsedDaysAgo: 100 }],
      users: [
        // Day 9: 400 days old. Proposed (ROTATION_OVERDUE ≥ 365), first reported on day 1.
        { name: 'alice', keys: [{ ageDays: 392, lastUsedDaysAgo: 22 }] },
        // Day 9: 45 days old, never used. Proposed (NEVER_USED ≥ 30).
        { name: 'bob', keys: [{ ageDays: 37, lastUsedDaysAgo: null }] },
        // Day 9: unused for 200 days. Proposed (UNUSED ≥ 180); the approver leaves it out.
        { name: 'carol', keys: [{ ageDays: 242, lastUsedDaysAgo: 192 }] },
        // 508 days old but exempted: never proposed.
        {
          name: 'dave',
          tags: { 'org-key-audit:exempt': 'vendor integration until=2027-06-30' },
          keys: [{ ageDays: 500, lastUsedDaysAgo: 400 }],
        },
        // Day 9: 108 days old, in use: overdue for rotation, far from any deactivation criterion.
        { name: 'frank', keys: [{ ageDays: 100, lastUsedDaysAgo: 1 }] },
        // Day 9: 363 days old: 365 on 2026-12-04, announced for that day.
        { name: 'grace', keys: [{ ageDays: 355, lastUsedDaysAgo: 1 }] },
      ],
    },
    // Not audited on day 1 (its audit role refused): its old key is first reported on day 9.
    { id: NEWCO, name: 'newco', users: [{ name: 'ivan', keys: [{ ageDays: 500, lastUsedDaysAgo: 300 }] }] },
  ],
};

describe('approval-gated deactivation, end to end', { timeout: 240_000 }, () => {
  let r: RemediationEnv;
  let day9: Report;
  let requestId: string;
  let key: (user: string, account?: string) => string;

  beforeAll(async () => {
    r = await startRemediationEnv({ orgSpec: SPEC, enforcePolicies: true });
    key = (user, account = PROD) => r.keyOf(account, user);
    r.admin('/_emulator/faults', 'POST', { assumeRoleDenied: { accounts: [NEWCO] } });
    await r.audit('day-1');
    r.admin('/_emulator/faults', 'DELETE');
    r.admin('/_emulator/clock', 'POST', { now: DAY_9 });
    day9 = await r.audit('day-9');
    requestId = day9.remediation?.opened?.requestId ?? '';
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('day 1 announces the keys first reported that day, proposing nothing', () => {
    const day1 = r.object<Report>('reports/day-1/report.json');
    expect(day1?.remediation?.opened).toBeNull();
    // First reported on 2026-11-24: the 7 days' notice ends on 2026-12-01.
    expect(day1?.remediation?.upcoming.map((u) => [u.key.userName, u.proposedOn]).sort()).toEqual([
      ['alice', '2026-12-01'],
      ['bob', '2026-12-01'],
      ['carol', '2026-12-01'],
    ]);
    expect(digestTextOf(r.env.emulator, 'day-1')).toContain(
      'will be proposed for deactivation on 2026-12-01',
    );
  });

  it('day 9 proposes exactly the planted keys: not the root key, the exempted one or the recently noticed one', () => {
    expect(requestId).toMatch(/^dr-20261202-[0-9a-f]{8}$/);
    const opened = day9.remediation?.opened;
    expect(opened?.keys.map((k) => [k.userName, k.accessKeyId]).sort()).toEqual([
      ['alice', key('alice')],
      ['bob', key('bob')],
      ['carol', key('carol')],
    ]);
    const why = Object.fromEntries(opened?.keys.map((k) => [k.userName, k.why]) ?? []);
    expect(why).toEqual({
      alice: [{ type: 'ROTATION_OVERDUE', days: 400, thresholdDays: 365 }],
      bob: [{ type: 'NEVER_USED', days: 45, thresholdDays: 30 }],
      carol: [{ type: 'UNUSED', days: 200, thresholdDays: 180 }],
    });
    // Ivan's key was first reported today (his account was not audited on day 1): 7 days' notice.
    expect(day9.remediation?.upcoming.map((u) => [u.key.userName, u.proposedOn]).sort()).toEqual([
      ['grace', '2026-12-04'],
      ['ivan', '2026-12-09'],
    ]);
    const digest = digestTextOf(r.env.emulator, 'day-9') ?? '';
    expect(digest).toContain(
      `  REQUEST ${requestId}: 3 keys proposed for deactivation, awaiting approval until 2026-12-09`,
    );
    expect(digest).toContain(`    approve all:  keyaudit approve ${requestId}`);
    expect(digest).toMatch(/ivan {2}AKIA…\w{4} {2}.*: will be proposed for deactivation on 2026-12-09/);
  });

  it('the approval notice names the command, and the request waits on its task token', async () => {
    const task = await eventually(() =>
      r.object<{ taskToken: string }>(`remediation/requests/${requestId}/task.json`),
    );
    expect(task.taskToken.length).toBeGreaterThan(0);
    expect(r.execution(requestId)?.status).toBe('RUNNING');
    const notice = r.env.emulator.messaging
      .published()
      .find((m) => m.subject === `[org-key-audit] Approval needed: deactivate 3 keys (${requestId})`);
    expect(notice?.message).toContain(`keyaudit approve ${requestId}`);
    expect(notice?.message).not.toContain(task.taskToken);
  });

  it('keyaudit approve --except deactivates the rest, verified, with the approver recorded', async () => {
    const approved = await r.keyaudit([
      'approve',
      requestId,
      '--except',
      key('carol'),
      '--yes',
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(approved.status, approved.stderr).toBe(0);
    const execution = await r.settled(requestId);
    expect(execution.status).toBe('SUCCEEDED');

    expect(r.keyStatus(PROD, key('alice'))).toBe('Inactive');
    expect(r.keyStatus(PROD, key('bob'))).toBe('Inactive');
    for (const user of ['carol', 'dave', 'frank', 'grace'])
      expect(r.keyStatus(PROD, key(user))).toBe('Active');
    expect(r.keyStatus(NEWCO, key('ivan', NEWCO))).toBe('Active');

    const outcome = r.outcome(requestId);
    expect(outcome?.status).toBe('COMPLETED');
    expect(outcome?.approval?.approver.arn).toBe(r.approverArn());
    expect(outcome?.approval?.except).toEqual([key('carol')]);
    expect(outcome?.outcomes.map((o) => [o.userName, o.accessKeyId, o.outcome]).sort()).toEqual([
      ['alice', key('alice'), 'deactivated'],
      ['bob', key('bob'), 'deactivated'],
    ]);
    // Exactly one UpdateAccessKey per deactivated key, made by RemediateKey's role alone.
    const updates = r.updates();
    expect(updates.map((u) => u.userArn).sort()).toEqual([
      `arn:aws:iam::${PROD}:user/alice`,
      `arn:aws:iam::${PROD}:user/bob`,
    ]);
    for (const u of updates) expect(u.callerArn).toContain(':assumed-role/org-key-audit-remediation/');
    const summary = r.env.emulator.messaging
      .published()
      .find((m) => m.subject === `[org-key-audit] ${requestId}: 2 deactivated, 0 skipped, 0 failed`);
    expect(summary?.message).toContain(`approved by ${r.approverArn()}`);
  });

  it('the next digest and report show each outcome with the approver', async () => {
    r.admin('/_emulator/clock', 'POST', { now: DAY_10 });
    const day10 = await r.audit('day-10');
    const closed = day10.remediation?.closed.find((c) => c.requestId === requestId);
    expect(closed?.status).toBe('COMPLETED');
    expect(closed?.decidedBy).toBe(r.approverArn());
    expect(closed?.outcomes.map((o) => [o.userName, o.outcome]).sort()).toEqual([
      ['alice', 'deactivated'],
      ['bob', 'deactivated'],
    ]);
    const digest = digestTextOf(r.env.emulator, 'day-10') ?? '';
    expect(digest).toContain(`  ${requestId} 2026-12-02: approved by ${r.approverArn()}: 2 deactivated`);
    expect(digest).toMatch(new RegExp(`- ${PROD} {2}alice {2}AKIA…\\w{4} {2}deactivated`));
    // Deactivated overnight: the history says so.
    const resolved = day10.changes?.comparable ? day10.changes.resolved : [];
    expect(resolved.filter((x) => x.finding.userName === 'alice').map((x) => x.why.kind)).toContain(
      'deactivated',
    );
  });

  it('keyaudit reactivate undoes one deactivation, once', async () => {
    const undo = await r.keyaudit([
      'reactivate',
      requestId,
      '--key',
      key('alice'),
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(undo.status, undo.stderr).toBe(0);
    expect(r.keyStatus(PROD, key('alice'))).toBe('Active');
    expect(r.keyStatus(PROD, key('bob'))).toBe('Inactive');
    const record = r.object<{ outcome: { outcome: string }; requestedBy: { arn: string } }>(
      `remediation/requests/${requestId}/reactivations/${key('alice')}.json`,
    );
    expect(record?.outcome.outcome).toBe('reactivated');
    expect(record?.requestedBy.arn).toBe(r.approverArn());
    const again = await r.keyaudit(['reactivate', requestId, '--key', key('alice')]);
    expect(again.status, again.stderr).toBe(0);
    expect(`${again.stdout}${again.stderr}`).toMatch(/already|earlier/i);
    // Reactivating a key this request did not deactivate is refused, and changes nothing.
    const refused = await r.keyaudit(['reactivate', requestId, '--key', key('carol')]);
    expect(refused.status).toBe(1);
    expect(r.updates()).toHaveLength(3);
  });

  it('ran with the deployed policies enforced: nothing refused, every call an edge of the catalogue', () => {
    expect(r.env.enforcing).toBe(true);
    expect(r.env.denials).toEqual([]);
    expect(r.env.uncoveredCalls()).toEqual([]);
  });
});

async function eventually<T>(read: () => T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
