/**
 * Accounts of any size, end to end: the real ASL and handlers on the emulator, with the local
 * runner giving AuditAccount its deployed 10-minute timeout scaled down (LocalAuditOptions
 * lambdaTimeScale), so an account whose follow-ups outlast one invocation continues in the next.
 * Expected findings come from the planted keys and the default thresholds (overdue at 90 days);
 * IAM calls are counted by the emulator, not by the product.
 */
import type { Report } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountFailuresOf,
  accountOf,
  type LocalEnv,
  reportOf,
  runLocal,
  startLocalEnv,
} from '../support/local-env';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const LARGE = '333333333333';
const SMALL = '444444444444';
/** Flagged users in the large account: 2 follow-up calls each, far more than one scaled budget allows. */
const FLAGGED = 40;

const SPEC = {
  now: '2026-11-02T09:00:00Z',
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    {
      id: LARGE,
      name: 'large',
      users: [
        ...Array.from({ length: FLAGGED }, (_, i) => ({
          name: `old-${String(i).padStart(3, '0')}`,
          keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }],
        })),
        ...Array.from({ length: 10 }, (_, i) => ({
          name: `fresh-${i}`,
          keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }],
        })),
      ],
    },
    { id: SMALL, name: 'small', users: [{ name: 'ci', keys: [{ ageDays: 200, lastUsedDaysAgo: 2 }] }] },
  ],
};

/**
 * 600 s x 0.005 = 3 s per AuditAccount invocation. The collector paces IAM at 10 calls/s in real
 * time, which the scale does not shrink, so the margin is set to 200 s x 0.005 = 1 s: enough for
 * the four follow-ups in flight and the checkpoint, as 30 s is on AWS. The 80 follow-up calls of
 * the large account then need three or four invocations.
 */
const SCALE = 0.005;
const MARGIN_MS = 200_000;

interface Outcome {
  readonly status: string;
  readonly report: Report;
  readonly iamCalls: (accountId: string) => Record<string, number>;
  readonly auditInvocations: (accountId: string) => number;
}

async function auditOnce(
  name: string,
  options: {
    readonly lambdaTimeScale?: number;
    readonly auditSafetyMarginMs?: number;
    readonly maxAuditIterations?: number;
  },
): Promise<{ env: LocalEnv; outcome: Outcome }> {
  const env = await startLocalEnv({
    preset: 'cases',
    orgSpec: SPEC,
    // No refusals: a throttled attempt is a call too, and would make two runs differ by chance.
    baseFaults: { iamThrottling: { enabled: false } },
  });
  const invocations = new Map<string, number>();
  const result = await runLocal(env, {
    executionName: name,
    ...options,
    wrapTasks: (tasks) => ({
      ...tasks,
      auditAccount: async (event: never, context?: never) => {
        const id = (event as { accountId: string }).accountId;
        invocations.set(id, (invocations.get(id) ?? 0) + 1);
        return tasks.auditAccount(event, context);
      },
    }),
  });
  const stats = env.emulator.stats;
  return {
    env,
    outcome: {
      status: `${result.status}${result.error ? ` ${result.error}: ${result.cause}` : ''}`,
      report: reportOf(env.emulator, name),
      iamCalls: (accountId) => {
        const calls: Record<string, number> = {};
        for (const c of stats.snapshot().calls) {
          if (c.accountId === accountId && c.service === 'iam')
            calls[c.action] = (calls[c.action] ?? 0) + c.count;
        }
        return calls;
      },
      auditInvocations: (accountId) => invocations.get(accountId) ?? 0,
    },
  };
}

const planted = (accountId: string, names: readonly string[]) =>
  names.map((n) => `${accountId}/${n}/ROTATION_OVERDUE`).sort();
const findingIds = (report: Report, accountId: string) =>
  accountOf(report, accountId)
    .findings.map((f) => `${f.accountId}/${f.userName}/${f.type}`)
    .sort();
const LARGE_FLAGGED = Array.from({ length: FLAGGED }, (_, i) => `old-${String(i).padStart(3, '0')}`);

describe('an account too large for one invocation', () => {
  let unlimited: Outcome;
  let budgeted: Outcome;
  let capped: Outcome;
  let cappedEnv: LocalEnv;
  const envs: LocalEnv[] = [];

  beforeAll(async () => {
    const one = await auditOnce('unlimited', {});
    envs.push(one.env);
    unlimited = one.outcome;
    const two = await auditOnce('budgeted', { lambdaTimeScale: SCALE, auditSafetyMarginMs: MARGIN_MS });
    envs.push(two.env);
    budgeted = two.outcome;
    const three = await auditOnce('capped', {
      lambdaTimeScale: SCALE,
      auditSafetyMarginMs: MARGIN_MS,
      maxAuditIterations: 1,
    });
    envs.push(three.env);
    capped = three.outcome;
    cappedEnv = three.env;
  }, 240_000);

  afterAll(async () => {
    for (const env of envs) await env.stop();
  });

  it('completes AUDITED over several invocations, with exactly the planted findings', () => {
    expect(budgeted.status).toBe('SUCCEEDED');
    expect(budgeted.auditInvocations(LARGE)).toBeGreaterThan(1);
    expect(budgeted.auditInvocations(SMALL)).toBe(1);
    expect(accountOf(budgeted.report, LARGE).status).toBe('AUDITED');
    expect(findingIds(budgeted.report, LARGE)).toEqual(planted(LARGE, LARGE_FLAGGED));
    expect(findingIds(budgeted.report, SMALL)).toEqual(planted(SMALL, ['ci']));
    expect(budgeted.report.totals).toMatchObject({
      accounts: 4,
      audited: 4,
      failed: 0,
      findings: FLAGGED + 1,
    });
  });

  it('makes exactly the IAM calls one unlimited invocation makes: nothing is repeated', () => {
    expect(unlimited.status).toBe('SUCCEEDED');
    expect(unlimited.auditInvocations(LARGE)).toBe(1);
    const calls = budgeted.iamCalls(LARGE);
    expect(calls).toEqual(unlimited.iamCalls(LARGE));
    // Two follow-up calls per flagged user, in one run or in several.
    expect(calls['ListAccessKeys']).toBe(FLAGGED);
    expect(calls['ListUserTags']).toBe(FLAGGED);
    // The report is generated once, in the first invocation.
    expect(calls['GenerateCredentialReport']).toBe(unlimited.iamCalls(LARGE)['GenerateCredentialReport']);
    // The account's own count of its calls adds up every invocation's.
    expect(accountOf(budgeted.report, LARGE).counts.apiCalls).toEqual(
      accountOf(unlimited.report, LARGE).counts.apiCalls,
    );
  });

  it('past the iteration cap, ends FAILED with the reason and a DLQ message; the counts stay exact', () => {
    expect(capped.status).toBe('SUCCEEDED');
    expect(capped.auditInvocations(LARGE)).toBe(1);
    const large = accountOf(capped.report, LARGE);
    expect(large.status).toBe('FAILED');
    expect(large.errorName).toBe('AuditIncompleteError');
    expect(large.reason).toMatch(
      /did not finish after 1 AuditAccount invocation\(s\) \(\d+ flagged users still to follow up\)/,
    );
    expect(large.findings).toEqual([]);
    const dlq = accountFailuresOf(cappedEnv.emulator, 'capped');
    expect(dlq.map((m) => [m.accountId, m.error])).toEqual([[LARGE, 'AuditIncompleteError']]);
    expect(dlq[0]?.rerunInput.accountIds).toEqual([LARGE]);
    expect(capped.report.totals).toMatchObject({ accounts: 4, audited: 3, failed: 1, findings: 1 });
  });
});
