import { describe, expect, it } from 'vitest';
import { largeAccountSpec, MEMBER_ACCOUNT_ID } from '../src/account-spec';
import { extrapolateRow, type PerAccountRow, ratiosToReport, reportCallBudget } from '../src/per-account';

const row = (over: Partial<PerAccountRow>): PerAccountRow => ({
  approach: 'naive',
  users: 100,
  measured: true,
  basisUsers: 100,
  calls: {},
  totalCalls: 0,
  throttled: 0,
  wallMs: 0,
  cpuMs: 0,
  overdueKeys: 0,
  flaggedUsers: 0,
  ...over,
});

describe('largeAccountSpec', () => {
  it('plants one flagged user in 100 and one keyless user in 12 among the rest', () => {
    const planted = largeAccountSpec({ users: 1000, now: new Date('2026-01-15T12:00:00Z') });
    // i % 100 == 0: 10 users; i % 12 == 1 and i % 100 != 0: 84 of 0..999 (i = 1, 13, ..., 997), none divisible by 100
    expect(planted.flaggedUsers).toBe(10);
    expect(planted.keys).toBe(1000 - 84);
    const accounts = (planted.spec as { accounts: { id: string; users?: unknown[] }[] }).accounts;
    expect(accounts.map((a) => a.id)[2]).toBe(MEMBER_ACCOUNT_ID);
    expect(accounts[2]?.users).toHaveLength(1000);
  });

  it('rejects a size that is not a positive integer, naming the field', () => {
    expect(() => largeAccountSpec({ users: 0, now: new Date() })).toThrow(/users/);
  });
});

describe('extrapolateRow', () => {
  it('scales per-user calls, pages ListUsers by the approach page size, keeps per-account calls', () => {
    const measured = row({
      approach: 'per-user',
      calls: {
        'iam:ListUsers': 1,
        'iam:ListAccessKeys': 100,
        'iam:GetAccessKeyLastUsed': 91,
        'iam:GetAccountSummary': 1,
      },
      totalCalls: 193,
      wallMs: 19_300,
    });
    const big = extrapolateRow(measured, 10_000);
    expect(big.calls).toEqual({
      'iam:ListUsers': 10,
      'iam:ListAccessKeys': 10_000,
      'iam:GetAccessKeyLastUsed': 9_100,
      'iam:GetAccountSummary': 1,
    });
    expect(big.totalCalls).toBe(19_111);
    // The measured run: 20 calls free (the burst), 173 paced in 19.3 s. At 10,000 users the
    // 19,091 paced calls take as long each: 19.3 s x 19,091 / 173.
    expect(big.wallMs).toBeCloseTo((19_300 * 19_091) / 173, 6);
    expect(big.measured).toBe(false);
    expect(big.basisUsers).toBe(100);
  });

  it('pages the naive ListUsers by 100', () => {
    const measured = row({ calls: { 'iam:ListUsers': 1 }, totalCalls: 1, wallMs: 100 });
    expect(extrapolateRow(measured, 1000).calls['iam:ListUsers']).toBe(10);
  });
});

describe('ratiosToReport', () => {
  it('divides each approach by the credential-report row of the same size', () => {
    const ratios = ratiosToReport([
      row({ approach: 'credential-report', totalCalls: 24, wallMs: 2_000 }),
      row({ approach: 'naive', totalCalls: 1_920, wallMs: 200_000, measured: false }),
    ]);
    expect(ratios).toEqual([
      { users: 100, approach: 'naive', callsRatio: 80, timeRatio: 100, measured: false },
    ]);
  });

  it('states the report budget as 4 + 2 per flagged user', () => {
    expect(reportCallBudget(100)).toBe(204);
  });
});
