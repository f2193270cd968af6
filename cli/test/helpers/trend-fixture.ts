/**
 * A report with history and owners, written out by hand (not by buildReport or compareRuns, so
 * the tests' expectations are not the product's own output read back):
 *
 * - the previous full run (daily-20250303) had 8 open: alice critical, bob medium, carol low,
 *   dave high, erin low (due soon), gina high, ivan medium (account 444… has left since), judy
 *   medium (account 333…, which FAILED this run);
 * - this run has 5 findings: alice, bob, carol (still open), dan and erin (NEW; erin's key is now
 *   overdue), and judy is not re-checked;
 * - RESOLVED: dave (now exempted), erin (changed to ROTATION_OVERDUE), gina (no longer
 *   reported), ivan (account left);
 * - owners: payments (alice, bob; not routed), data (carol, dan; routed), security-team (erin);
 * - the trend has 5 points with totals 6, 7, 8, 8, 6 (the last is this run, judy included).
 */
import type {
  AccountAudit,
  Finding,
  HistoryFinding,
  Report,
  TrendPoint,
} from '@org-key-audit/functions/core';

export const PAYMENTS = '111111111111';
export const ANALYTICS = '222222222222';
export const BROKEN = '333333333333';
export const GONE = '444444444444';

const keyId = (userName: string) => `AKIA${userName.toUpperCase().padEnd(16, 'Q')}`;

function finding(accountId: string, userName: string, over: Partial<Finding>): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: keyId(userName),
    keySlot: 1,
    status: 'Active',
    createdAt: '2024-11-01T00:00:00.000Z',
    ageDays: 123,
    lastUsedAt: '2025-03-02T09:00:00.000Z',
    lastUsedService: 'iam',
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...over,
  };
}

function history(accountId: string, userName: string, over: Partial<HistoryFinding>): HistoryFinding {
  return {
    accountId,
    userName,
    accessKeyId: keyId(userName),
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    firstSeenAt: '2025-02-20T05:30:00.000Z',
    ...over,
  };
}

const counts = (findings: number, exempted: number) => ({
  users: 6,
  activeKeys: 6,
  inactiveKeys: 0,
  findings,
  exempted,
  apiCalls: {},
});

const audited = (accountId: string, accountName: string, findings: Finding[], exempted: Finding[]) =>
  ({
    schemaVersion: 1,
    accountId,
    accountName,
    status: 'AUDITED',
    strategy: 'credential-report',
    reportGeneratedAt: '2025-03-04T04:00:00.000Z',
    counts: counts(findings.length, exempted.length),
    findings,
    exempted,
    warnings: [],
  }) satisfies AccountAudit;

const point = (date: string, c: number, h: number, m: number, l: number, i: number): TrendPoint => ({
  executionName: `daily-${date.replaceAll('-', '')}`,
  at: `${date}T05:30:00.000Z`,
  bySeverity: { critical: c, high: h, medium: m, low: l, info: i },
});

/** Oldest first; totals 6, 7, 8, 8, 6. */
export const TREND: readonly TrendPoint[] = [
  point('2025-02-28', 2, 3, 1, 0, 0),
  point('2025-03-01', 1, 3, 2, 1, 0),
  point('2025-03-02', 1, 2, 2, 2, 1),
  point('2025-03-03', 1, 2, 3, 2, 0),
  point('2025-03-04', 1, 2, 2, 1, 0),
];

export function trendReport(): Report {
  return {
    schemaVersion: 1,
    executionName: 'daily-20250304',
    executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-20250304',
    generatedAt: '2025-03-04T05:30:00.000Z',
    reason: null,
    dryRun: false,
    thresholds: {},
    totals: {
      accounts: 3,
      audited: 2,
      failed: 1,
      skipped: 0,
      findings: 5,
      exempted: 1,
      bySeverity: { critical: 1, high: 2, medium: 1, low: 1, info: 0 },
      byType: {
        ROOT_ACCESS_KEY: 0,
        ROTATION_OVERDUE: 2,
        ROTATION_DUE_SOON: 1,
        REMINDER_DAY: 0,
        UNUSED: 1,
        NEVER_USED: 1,
        TWO_ACTIVE_KEYS: 0,
        INACTIVE_KEY_LINGERING: 0,
      },
      accountsWithFindings: 2,
    },
    warnings: [],
    accounts: [
      audited(
        PAYMENTS,
        'payments-prod',
        [
          finding(PAYMENTS, 'alice', { ageDays: 400, severity: 'critical', owner: 'payments' }),
          finding(PAYMENTS, 'bob', {
            ageDays: 60,
            lastUsedAt: null,
            lastUsedService: null,
            type: 'NEVER_USED',
            severity: 'medium',
            owner: 'payments',
            ownerSource: 'user-tag',
          }),
          finding(PAYMENTS, 'carol', {
            ageDays: 85,
            type: 'ROTATION_DUE_SOON',
            severity: 'low',
            owner: 'data',
            ownerSource: 'user-tag',
          }),
        ],
        [
          finding(PAYMENTS, 'dave', {
            ageDays: 200,
            exemption: { source: 'config', reason: 'vendor integration, ticket SEC-12', until: '2025-06-30' },
            owner: 'payments',
          }),
        ],
      ),
      audited(
        ANALYTICS,
        'analytics',
        [
          finding(ANALYTICS, 'dan', { ageDays: 150, type: 'UNUSED', severity: 'high', owner: 'data' }),
          finding(ANALYTICS, 'erin', { ageDays: 91, owner: 'security-team', ownerSource: 'default' }),
        ],
        [],
      ),
      {
        schemaVersion: 1,
        accountId: BROKEN,
        accountName: 'broken',
        status: 'FAILED',
        strategy: 'none',
        reportGeneratedAt: null,
        errorName: 'AuditRoleMissingError',
        reason: 'audit role missing',
        fix: 'the StackSet has not reached this account: add its OU to the rollout',
        counts: counts(0, 0),
        findings: [],
        exempted: [],
        warnings: [],
      },
    ],
    changes: {
      comparable: true,
      previousExecution: 'daily-20250303',
      previousAt: '2025-03-03T05:30:00.000Z',
      new: [
        history(ANALYTICS, 'dan', { type: 'UNUSED', firstSeenAt: '2025-03-04T05:30:00.000Z', owner: 'data' }),
        history(ANALYTICS, 'erin', { firstSeenAt: '2025-03-04T05:30:00.000Z', owner: 'security-team' }),
      ],
      stillOpen: [
        { ...history(PAYMENTS, 'alice', { severity: 'critical', owner: 'payments' }), daysOpen: 40 },
        {
          ...history(PAYMENTS, 'bob', { type: 'NEVER_USED', severity: 'medium', owner: 'payments' }),
          daysOpen: 12,
        },
        {
          ...history(PAYMENTS, 'carol', { type: 'ROTATION_DUE_SOON', severity: 'low', owner: 'data' }),
          daysOpen: 3,
        },
      ],
      resolved: [
        { finding: history(PAYMENTS, 'dave', { owner: 'payments' }), why: { kind: 'exempted' } },
        {
          finding: history(ANALYTICS, 'erin', {
            type: 'ROTATION_DUE_SOON',
            severity: 'low',
            owner: 'security-team',
          }),
          why: { kind: 'changed', now: 'ROTATION_OVERDUE' },
        },
        { finding: history(PAYMENTS, 'gina', { owner: 'payments' }), why: { kind: 'no-longer-reported' } },
        {
          finding: history(GONE, 'ivan', { type: 'NEVER_USED', severity: 'medium' }),
          why: { kind: 'account-left' },
        },
      ],
      notRechecked: [history(BROKEN, 'judy', { type: 'UNUSED', severity: 'medium' })],
    },
    trend: TREND,
    owners: {
      securityTeam: 'security-team',
      owners: [
        { owner: 'data', findings: 2, routed: true },
        { owner: 'payments', findings: 2, routed: false },
        { owner: 'security-team', findings: 1, routed: false },
      ],
    },
  };
}
