/**
 * Which keys a deactivation request proposes (docs/remediation.md, "What is proposed"). Every
 * expected value follows from the planted dates: "now" is 2026-12-02, and ages are whole UTC days
 * (a key created 2025-10-28 is 400 days old).
 */
import { describe, expect, it } from 'vitest';
import type { AccountAudit, Finding } from '../../src/core/model';
import { DEFAULT_REMEDIATION, type DeactivationRequest, type ProposedKey } from '../../src/core/remediation';
import {
  checkApproval,
  judgeListedKey,
  judgeUseAndExemption,
  keyRef,
  planProposals,
  requestIdFor,
} from '../../src/core/remediation-plan';
import { audit, finding } from '../fixtures/audits';

const NOW = new Date('2026-12-02T09:00:00Z');
const A = '111111111111';
const B = '222222222222';
const LONG_AGO = '2026-06-01T00:00:00.000Z';

function key(id: string, overrides: Partial<Finding>): Finding {
  return finding({
    accountId: A,
    userName: `user-${id}`,
    userArn: `arn:aws:iam::${A}:user/user-${id}`,
    accessKeyId: `AKIA${id.padEnd(16, '0')}`,
    lastUsedAt: '2026-11-30T12:00:00.000Z',
    ...overrides,
  });
}

const old400 = key('K1', { type: 'ROTATION_OVERDUE', createdAt: '2025-10-28T10:00:00.000Z', ageDays: 400 });
const root = key('K2', {
  type: 'ROOT_ACCESS_KEY',
  userName: '<root_account>',
  userArn: `arn:aws:iam::${A}:root`,
  createdAt: '2025-07-20T10:00:00.000Z',
  ageDays: 500,
});
const exempt = key('K3', { type: 'ROTATION_OVERDUE', createdAt: '2025-07-20T10:00:00.000Z', ageDays: 500 });
const recent = key('K4', { type: 'ROTATION_OVERDUE', createdAt: '2025-10-28T10:00:00.000Z', ageDays: 400 });
const almost = key('K5', { type: 'ROTATION_OVERDUE', createdAt: '2025-12-07T10:00:00.000Z', ageDays: 360 });
const young = key('K6', { type: 'ROTATION_OVERDUE', createdAt: '2026-02-05T10:00:00.000Z', ageDays: 300 });
const unusedOverdue = key('K7', {
  type: 'ROTATION_OVERDUE',
  createdAt: '2026-03-27T10:00:00.000Z',
  ageDays: 250,
  lastUsedAt: '2026-05-16T08:00:00.000Z',
});
const unused = { ...unusedOverdue, type: 'UNUSED' as const, severity: 'medium' as const };
const neverUsed = key('K8', {
  type: 'NEVER_USED',
  createdAt: '2026-10-18T10:00:00.000Z',
  ageDays: 45,
  lastUsedAt: null,
});
const inactive = key('K9', {
  type: 'INACTIVE_KEY_LINGERING',
  status: 'Inactive',
  createdAt: '2025-07-20T10:00:00.000Z',
  ageDays: 500,
});
const open = key('KA', { type: 'ROTATION_OVERDUE', createdAt: '2025-07-20T10:00:00.000Z', ageDays: 500 });

function audits(): AccountAudit[] {
  return [
    audit({
      accountId: A,
      findings: [old400, root, recent, almost, young, unusedOverdue, unused, neverUsed, inactive, open],
      exempted: [{ ...exempt, exemption: { source: 'tag', reason: 'break-glass', until: '2027-01-01' } }],
    }),
    audit({
      accountId: B,
      status: 'FAILED',
      findings: [{ ...old400, accountId: B }],
    }),
  ];
}

const ref = (f: Finding) => keyRef({ accountId: f.accountId, accessKeyId: f.accessKeyId ?? '' });

function firstReported(): Map<string, string> {
  const all = [old400, root, exempt, almost, young, unusedOverdue, neverUsed, inactive, open];
  const map = new Map(all.map((f) => [ref(f), LONG_AGO]));
  map.set(ref(recent), '2026-11-29T09:00:00.000Z');
  return map;
}

function plan(overrides: Partial<typeof DEFAULT_REMEDIATION> = {}) {
  return planProposals({
    audits: audits(),
    firstReported: firstReported(),
    openKeys: new Map([[ref(open), 'dr-20261201-0000abcd']]),
    settings: { ...DEFAULT_REMEDIATION, ...overrides },
    now: NOW,
  });
}

const ids = (keys: readonly { readonly accessKeyId: string }[]) => keys.map((k) => k.accessKeyId);

describe('planProposals', () => {
  it('proposes exactly the active, unexempted, non-root keys past a criterion and past their notice', () => {
    const result = plan();
    expect(ids(result.proposed)).toEqual([old400.accessKeyId, unused.accessKeyId, neverUsed.accessKeyId]);
    expect(result.deferred).toBe(0);
  });

  it('says why, with only the criteria the key meets', () => {
    const byId = new Map(plan().proposed.map((k) => [k.accessKeyId, k]));
    expect(byId.get(old400.accessKeyId ?? '')?.why).toEqual([
      { type: 'ROTATION_OVERDUE', days: 400, thresholdDays: 365 },
    ]);
    // 250 days old is not past 365: only the 200 days unused count.
    expect(byId.get(unused.accessKeyId ?? '')?.why).toEqual([
      { type: 'UNUSED', days: 200, thresholdDays: 180 },
    ]);
    expect(byId.get(neverUsed.accessKeyId ?? '')?.why).toEqual([
      { type: 'NEVER_USED', days: 45, thresholdDays: 30 },
    ]);
    expect(byId.get(old400.accessKeyId ?? '')).toMatchObject({
      accountId: A,
      userName: 'user-K1',
      createdAt: '2025-10-28T10:00:00.000Z',
      firstReportedAt: LONG_AGO,
      ageDays: 400,
    });
  });

  it('announces a key first reported 3 days ago for the day its 7-day notice ends', () => {
    const upcoming = new Map(plan().upcoming.map((u) => [u.key.accessKeyId, u.proposedOn]));
    expect(upcoming.get(recent.accessKeyId ?? '')).toBe('2026-12-06');
  });

  it('announces a key reaching 365 days in 5 days for that day, and not one 65 days away', () => {
    const upcoming = new Map(plan().upcoming.map((u) => [u.key.accessKeyId, u.proposedOn]));
    // Created 2025-12-07: 365 days old on 2026-12-07.
    expect(upcoming.get(almost.accessKeyId ?? '')).toBe('2026-12-07');
    expect(upcoming.has(young.accessKeyId ?? '')).toBe(false);
    expect([...upcoming.keys()].sort()).toEqual([recent.accessKeyId, almost.accessKeyId].sort());
  });

  it('holds a key of an open request back as awaiting, and never proposes it twice', () => {
    const result = plan();
    expect(result.awaiting.map((a) => [a.key.accessKeyId, a.requestId])).toEqual([
      [open.accessKeyId, 'dr-20261201-0000abcd'],
    ]);
    expect(ids(result.proposed)).not.toContain(open.accessKeyId);
  });

  it('never proposes the root key, an exempted key, an inactive key or a FAILED account', () => {
    const result = plan({ noticeDays: 0 });
    const all = [...ids(result.proposed), ...result.upcoming.map((u) => u.key.accessKeyId)];
    for (const never of [root, exempt, inactive]) expect(all).not.toContain(never.accessKeyId);
    expect(result.proposed.every((k) => k.accountId === A)).toBe(true);
  });

  it('with no notice, proposes a key first reported today', () => {
    const result = planProposals({
      audits: [audit({ accountId: A, findings: [old400] })],
      firstReported: new Map(),
      openKeys: new Map(),
      settings: { ...DEFAULT_REMEDIATION, noticeDays: 0 },
      now: NOW,
    });
    expect(ids(result.proposed)).toEqual([old400.accessKeyId]);
    const noticed = planProposals({
      audits: [audit({ accountId: A, findings: [old400] })],
      firstReported: new Map(),
      openKeys: new Map(),
      settings: DEFAULT_REMEDIATION,
      now: NOW,
    });
    expect(noticed.proposed).toEqual([]);
    expect(noticed.upcoming.map((u) => u.proposedOn)).toEqual(['2026-12-09']);
  });

  it('a criterion set to null proposes nothing by it', () => {
    const result = plan({
      criteria: { ...DEFAULT_REMEDIATION.criteria, unusedDays: null, neverUsedDays: null },
    });
    expect(ids(result.proposed)).toEqual([old400.accessKeyId]);
  });

  it('caps a request at maxKeysPerRequest, most overdue first, and counts the rest', () => {
    // Past their criteria by: K1 400-365 = 35, K7 200-180 = 20, K8 45-30 = 15.
    const result = plan({ maxKeysPerRequest: 2 });
    expect(ids(result.proposed)).toEqual([old400.accessKeyId, unused.accessKeyId]);
    expect(result.deferred).toBe(1);
  });
});

describe('requestIdFor', () => {
  it('is the same for the same execution and day, and differs between executions', () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:AuditOrganization:daily-1';
    const id = requestIdFor(arn, NOW);
    expect(id).toMatch(/^dr-20261202-[0-9a-f]{8}$/);
    expect(requestIdFor(arn, new Date('2026-12-02T23:59:59Z'))).toBe(id);
    expect(requestIdFor(`${arn}x`, NOW)).not.toBe(id);
  });
});

function proposed(f: Finding): ProposedKey {
  return {
    accountId: f.accountId,
    accountName: 'Account',
    userName: f.userName,
    userArn: f.userArn,
    accessKeyId: f.accessKeyId ?? '',
    createdAt: f.createdAt ?? '',
    lastUsedAt: f.lastUsedAt,
    ageDays: f.ageDays ?? 0,
    why: [{ type: 'ROTATION_OVERDUE', days: 400, thresholdDays: 365 }],
    firstReportedAt: LONG_AGO,
  };
}

describe('checkApproval', () => {
  const request: DeactivationRequest = {
    schemaVersion: 1,
    requestId: 'dr-20261202-0a0b0c0d',
    createdAt: NOW.toISOString(),
    expiresAt: '2026-12-09T09:00:00.000Z',
    approvalTimeoutSeconds: 604800,
    auditExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:AuditOrganization:x',
    criteria: DEFAULT_REMEDIATION.criteria,
    noticeDays: 7,
    keys: [proposed(old400), proposed(neverUsed)],
  };
  const decision = (keys: string[], requestId = request.requestId) => ({
    decision: 'approve' as const,
    requestId,
    approver: { arn: 'arn:aws:iam::123456789012:user/sec', account: '123456789012', userId: 'AIDA' },
    approvedAt: NOW.toISOString(),
    keys,
    only: null,
    except: null,
  });

  it('accepts a subset of the request', () => {
    const check = checkApproval(request, decision([neverUsed.accessKeyId ?? '']));
    expect(check.status).toBe('READY');
    expect(ids(check.keys)).toEqual([neverUsed.accessKeyId]);
  });

  it('refuses the whole approval when one key is not in the request', () => {
    const check = checkApproval(request, decision([old400.accessKeyId ?? '', 'AKIAIMPOSTOR00000000']));
    expect(check.status).toBe('REFUSED');
    expect(check.keys).toEqual([]);
    expect(check.reason).toContain('AKIAIMPOSTOR00000000');
  });

  it('refuses an approval of another request, and one with no key', () => {
    expect(checkApproval(request, decision([old400.accessKeyId ?? ''], 'dr-20261202-ffffffff')).status).toBe(
      'REFUSED',
    );
    expect(checkApproval(request, decision([])).status).toBe('REFUSED');
  });
});

describe('judgeListedKey', () => {
  const p = proposed(old400);
  const listed = (status: string, createDate = '2025-10-28T10:00:00Z', id = p.accessKeyId) => [
    { accessKeyId: id, status, createDate },
  ];

  it('acts on the same key, still Active, created at the same second', () => {
    expect(judgeListedKey(p, listed('Active'), 'deactivate')).toEqual({ act: true });
    expect(judgeListedKey(p, listed('Inactive'), 'reactivate')).toEqual({ act: true });
  });

  it('skips a key that is gone, replaced, or already in the target state', () => {
    expect(
      judgeListedKey(p, listed('Active', undefined, 'AKIAOTHER00000000000'), 'deactivate'),
    ).toMatchObject({
      act: false,
      reason: 'key-no-longer-exists',
    });
    expect(judgeListedKey(p, listed('Active', '2026-12-01T00:00:00Z'), 'deactivate')).toMatchObject({
      act: false,
      reason: 'key-replaced',
    });
    expect(judgeListedKey(p, listed('Inactive'), 'deactivate')).toMatchObject({
      act: false,
      reason: 'already-inactive',
    });
    expect(judgeListedKey(p, listed('Active'), 'reactivate')).toMatchObject({
      act: false,
      reason: 'already-active',
    });
  });
});

describe('judgeUseAndExemption', () => {
  it('skips a key used after its proposal, or first used since', () => {
    const p = proposed(old400);
    expect(judgeUseAndExemption(p, { lastUsedAt: p.lastUsedAt, exemption: null })).toEqual({ act: true });
    expect(
      judgeUseAndExemption(p, { lastUsedAt: '2026-12-02T08:00:00.000Z', exemption: null }),
    ).toMatchObject({ act: false, reason: 'used-since-proposal' });
    const never = proposed(neverUsed);
    expect(judgeUseAndExemption(never, { lastUsedAt: null, exemption: null })).toEqual({ act: true });
    expect(
      judgeUseAndExemption(never, { lastUsedAt: '2026-12-01T00:00:00.000Z', exemption: null }),
    ).toMatchObject({ act: false, reason: 'used-since-proposal' });
  });

  it('skips a key exempted since its proposal', () => {
    expect(
      judgeUseAndExemption(proposed(old400), {
        lastUsedAt: old400.lastUsedAt,
        exemption: 'tag org-key-audit:exempt: migration (until 2027-01-31)',
      }),
    ).toMatchObject({ act: false, reason: 'exempted-since-proposal' });
  });
});
