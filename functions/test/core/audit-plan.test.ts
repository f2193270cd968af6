import { describe, expect, it } from 'vitest';
import { planAudit } from '../../src/core/audit-plan';
import type { OrgAccount } from '../../src/core/model';

const account = (accountId: string, state: string): OrgAccount => ({
  accountId,
  accountName: `acct-${accountId.slice(-2)}`,
  email: `a${accountId}@example.com`,
  state,
});

const ORG: OrgAccount[] = [
  account('300000000003', 'ACTIVE'),
  account('100000000001', 'ACTIVE'),
  account('200000000002', 'SUSPENDED'),
  account('400000000004', 'PENDING_CLOSURE'),
  account('500000000005', 'CLOSED'),
  account('600000000006', 'PENDING_ACTIVATION'),
];

describe('planAudit', () => {
  it('audits ACTIVE accounts and skips the others with a reason and a fix, ordered by id', () => {
    const plan = planAudit(ORG, null);

    expect(plan.toAudit.map((a) => a.accountId)).toEqual(['100000000001', '300000000003']);
    expect(plan.skipped.map((s) => [s.account.accountId, s.reason])).toEqual([
      ['200000000002', 'the account is suspended'],
      ['400000000004', 'the account is being closed'],
      ['500000000005', 'the account is closed'],
      ['600000000006', 'the account is not activated yet'],
    ]);
    for (const s of plan.skipped) expect(s.fix.length).toBeGreaterThan(0);
  });

  it('audits only requested accounts and skips the rest as not requested', () => {
    const plan = planAudit(ORG, ['300000000003']);

    expect(plan.toAudit.map((a) => a.accountId)).toEqual(['300000000003']);
    expect(plan.skipped).toHaveLength(5);
    expect(plan.skipped.every((s) => s.reason === 'not requested in this run')).toBe(true);
  });

  it('skips a requested account that is suspended with its state reason', () => {
    const plan = planAudit(ORG, ['200000000002', '100000000001']);

    expect(plan.toAudit.map((a) => a.accountId)).toEqual(['100000000001']);
    expect(plan.skipped.find((s) => s.account.accountId === '200000000002')?.reason).toBe(
      'the account is suspended',
    );
  });

  it('reports a requested id outside the organization as skipped, with a synthetic account', () => {
    const plan = planAudit(ORG, ['999999999999', '100000000001', '999999999999']);

    const outsider = plan.skipped.filter((s) => s.account.accountId === '999999999999');
    expect(outsider).toHaveLength(1);
    expect(outsider[0]).toMatchObject({
      reason: 'not a member of this organization',
      account: { accountId: '999999999999', accountName: '', email: '', state: 'NOT_IN_ORGANIZATION' },
    });
    expect(plan.skipped.map((s) => s.account.accountId)).toEqual([
      '200000000002',
      '300000000003',
      '400000000004',
      '500000000005',
      '600000000006',
      '999999999999',
    ]);
  });

  it('skips an unrecognised state instead of auditing it', () => {
    const plan = planAudit([account('700000000007', 'MIGRATING')], null);

    expect(plan.toAudit).toEqual([]);
    expect(plan.skipped[0]?.reason).toContain('MIGRATING');
  });

  it('keeps every account in exactly one list', () => {
    const plan = planAudit(ORG, ['100000000001', '600000000006']);

    const ids = [
      ...plan.toAudit.map((a) => a.accountId),
      ...plan.skipped.map((s) => s.account.accountId),
    ].sort();
    expect(ids).toEqual(ORG.map((a) => a.accountId).sort());
  });
});
