/**
 * A report for the compliance view, written out by hand (not by buildReport, so the tests'
 * expectations are not the product's own output read back). Seven accounts:
 *
 * | account        | status   | open findings (CIS control)                                        | exempted                  |
 * | -------------- | -------- | ------------------------------------------------------------------ | ------------------------- |
 * | 111… payments  | AUDITED  | alice ROTATION_OVERDUE (1.14), bob ROTATION_OVERDUE (1.14),         | dave ROTATION_OVERDUE     |
 * |                |          | bob UNUSED (1.12), carol ROTATION_DUE_SOON (none),                  | (1.14, until 2025-06-30)  |
 * |                |          | <root_account> ROOT_ACCESS_KEY (1.4)                                |                           |
 * | 222… analytics | AUDITED  | erin TWO_ACTIVE_KEYS (1.13), frank NEVER_USED (1.12),               | hank UNUSED (1.12, until  |
 * |                |          | gina UNUSED (1.12)                                                  | 2025-12-31; hostile text) |
 * | 333… sandbox   | AUDITED  | none                                                                | ivan TWO_ACTIVE_KEYS      |
 * |                |          |                                                                     | (1.13, until 2025-04-01)  |
 * | 444… clean     | AUDITED  | judy INACTIVE_KEY_LINGERING (none)                                  |                           |
 * | 555… broken    | FAILED   | (audit role missing)                                                |                           |
 * | 666… old       | SKIPPED  | (the account is SUSPENDED)                                          |                           |
 * | 777… (no name) | AUDITED  | kim ROTATION_OVERDUE (1.14), kim REMINDER_DAY (none)                |                           |
 *
 * By hand: 5 in scope (111, 222, 333, 444, 777), 2 not assessed (555 FAILED, 666 SKIPPED).
 * - 1.4: failing 111 (1); passing 4; no exception.
 * - 1.12: failing 111 (1: bob), 222 (2: frank, gina); passing 3; exception hank (222).
 * - 1.13: failing 222 (1: erin); passing 4; exception ivan (333), so 333 passes on an exception.
 * - 1.14: failing 111 (2: alice, bob), 777 (1: kim); passing 3; exception dave (111).
 * The run flagged overdue keys from 120 days (rotationOverdueDays), looser than 1.14's 90.
 * 11 open findings, 8 of them failing a CIS control; 3 exempted.
 */
import type { AccountAudit, Finding, Report } from '@org-key-audit/functions/core';

export const PAYMENTS = '111111111111';
export const ANALYTICS = '222222222222';
export const SANDBOX = '333333333333';
export const CLEAN = '444444444444';
export const BROKEN = '555555555555';
export const OLD = '666666666666';
export const UNNAMED = '777777777777';
export const AUDIT_ACCOUNT = '999988887777';
export const HOSTILE_EXCEPTION = '<img src="https://attacker.example/c.png" onerror="window.__pwned=5">';

function finding(accountId: string, userName: string, over: Partial<Finding>): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, 'C')}`,
    keySlot: 1,
    status: 'Active',
    createdAt: '2024-10-01T00:00:00.000Z',
    ageDays: 150,
    lastUsedAt: '2025-03-01T09:00:00.000Z',
    lastUsedService: 's3',
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...over,
  };
}

const counts = (findings: number, exempted: number) => ({
  users: 4,
  activeKeys: 4,
  inactiveKeys: 0,
  findings,
  exempted,
  apiCalls: {},
});

function audited(accountId: string, accountName: string, findings: Finding[], exempted: Finding[] = []) {
  return {
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
  } satisfies AccountAudit;
}

function notAudited(accountId: string, accountName: string, status: 'FAILED' | 'SKIPPED', reason: string) {
  return {
    schemaVersion: 1,
    accountId,
    accountName,
    status,
    strategy: 'none',
    reportGeneratedAt: null,
    reason,
    ...(status === 'FAILED' ? { errorName: 'AuditRoleMissingError', fix: 'deploy the audit role' } : {}),
    counts: counts(0, 0),
    findings: [],
    exempted: [],
    warnings: [],
  } satisfies AccountAudit;
}

export function complianceReport(): Report {
  return {
    schemaVersion: 1,
    executionName: 'daily-20250304',
    executionArn: `arn:aws:states:eu-west-1:${AUDIT_ACCOUNT}:execution:AuditOrganization:daily-20250304`,
    generatedAt: '2025-03-04T05:30:00.000Z',
    reason: null,
    dryRun: false,
    thresholds: { rotationOverdueDays: 120, unusedDays: 45 },
    totals: {
      accounts: 7,
      audited: 5,
      failed: 1,
      skipped: 1,
      findings: 11,
      exempted: 3,
      bySeverity: { critical: 2, high: 2, medium: 3, low: 3, info: 1 },
      byType: {
        ROOT_ACCESS_KEY: 1,
        ROTATION_OVERDUE: 3,
        ROTATION_DUE_SOON: 1,
        REMINDER_DAY: 1,
        UNUSED: 2,
        NEVER_USED: 1,
        TWO_ACTIVE_KEYS: 1,
        INACTIVE_KEY_LINGERING: 1,
      },
      accountsWithFindings: 4,
    },
    warnings: [],
    accounts: [
      audited(
        PAYMENTS,
        'payments',
        [
          finding(PAYMENTS, 'alice', { ageDays: 400, severity: 'critical' }),
          finding(PAYMENTS, 'bob', { ageDays: 130 }),
          finding(PAYMENTS, 'bob', { ageDays: 130, type: 'UNUSED', severity: 'medium' }),
          finding(PAYMENTS, 'carol', { ageDays: 110, type: 'ROTATION_DUE_SOON', severity: 'low' }),
          finding(PAYMENTS, '<root_account>', {
            userArn: `arn:aws:iam::${PAYMENTS}:root`,
            accessKeyId: null,
            keySlot: null,
            status: null,
            createdAt: null,
            ageDays: null,
            lastUsedAt: null,
            lastUsedService: null,
            type: 'ROOT_ACCESS_KEY',
            severity: 'critical',
          }),
        ],
        [
          finding(PAYMENTS, 'dave', {
            ageDays: 200,
            exemption: { source: 'config', reason: 'vendor integration, ticket SEC-12', until: '2025-06-30' },
          }),
        ],
      ),
      audited(
        ANALYTICS,
        'analytics',
        [
          finding(ANALYTICS, 'erin', {
            accessKeyId: null,
            keySlot: null,
            ageDays: null,
            type: 'TWO_ACTIVE_KEYS',
            severity: 'low',
          }),
          finding(ANALYTICS, 'frank', {
            ageDays: 30,
            lastUsedAt: null,
            lastUsedService: null,
            type: 'NEVER_USED',
            severity: 'medium',
          }),
          finding(ANALYTICS, 'gina', { ageDays: 70, type: 'UNUSED', severity: 'medium' }),
        ],
        [
          finding(ANALYTICS, 'hank', {
            ageDays: 60,
            type: 'UNUSED',
            severity: 'medium',
            exemption: { source: 'tag', reason: HOSTILE_EXCEPTION, until: '2025-12-31' },
          }),
        ],
      ),
      audited(
        SANDBOX,
        'sandbox',
        [],
        [
          finding(SANDBOX, 'ivan', {
            accessKeyId: null,
            keySlot: null,
            ageDays: null,
            type: 'TWO_ACTIVE_KEYS',
            severity: 'low',
            exemption: { source: 'config', reason: 'migration window', until: '2025-04-01' },
          }),
        ],
      ),
      audited(CLEAN, 'clean', [
        finding(CLEAN, 'judy', { status: 'Inactive', type: 'INACTIVE_KEY_LINGERING', severity: 'info' }),
      ]),
      notAudited(BROKEN, 'broken', 'FAILED', 'audit role missing'),
      notAudited(OLD, 'old', 'SKIPPED', 'the account is SUSPENDED'),
      audited(UNNAMED, UNNAMED, [
        finding(UNNAMED, 'kim', { ageDays: 121 }),
        finding(UNNAMED, 'kim', { ageDays: 121, type: 'REMINDER_DAY', severity: 'low' }),
      ]),
    ],
    changes: {
      comparable: true,
      previousExecution: 'daily-20250303',
      previousAt: '2025-03-03T05:30:00.000Z',
      new: [
        {
          accountId: ANALYTICS,
          userName: 'erin',
          accessKeyId: null,
          type: 'TWO_ACTIVE_KEYS',
          severity: 'low',
          firstSeenAt: '2025-03-04T05:30:00.000Z',
        },
      ],
      stillOpen: [
        {
          accountId: PAYMENTS,
          userName: 'alice',
          accessKeyId: 'AKIAALICECCCCCCCCCCC',
          type: 'ROTATION_OVERDUE',
          severity: 'critical',
          firstSeenAt: '2025-01-10T05:30:00.000Z',
          daysOpen: 53,
        },
      ],
      resolved: [],
      notRechecked: [],
    },
  };
}
