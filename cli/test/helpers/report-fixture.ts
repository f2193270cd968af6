/**
 * A planted report: four accounts (two audited, one failed, one skipped), keys in known age
 * bands, one exemption, and names that try to inject markup, so escaping is tested too.
 */
import type { AccountAudit, Finding } from '@org-key-audit/functions/core';
import { buildReport, type Report } from '@org-key-audit/functions/core';

export const HOSTILE_ACCOUNT_NAME = 'prod <script>window.__pwned=1</script>';
export const HOSTILE_REASON = '<img src="https://attacker.example/x.png" onerror="window.__pwned=2">';

function finding(accountId: string, userName: string, over: Partial<Finding>): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, 'X')}`,
    keySlot: 1,
    status: 'Active',
    createdAt: '2024-01-01T00:00:00.000Z',
    ageDays: 100,
    lastUsedAt: '2025-03-01T10:00:00.000Z',
    lastUsedService: 's3',
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...over,
  };
}

function audit(accountId: string, accountName: string, over: Partial<AccountAudit>): AccountAudit {
  return {
    schemaVersion: 1,
    accountId,
    accountName,
    status: 'AUDITED',
    strategy: 'credential-report',
    reportGeneratedAt: '2025-03-04T04:00:00.000Z',
    counts: { users: 5, activeKeys: 5, inactiveKeys: 0, findings: 0, exempted: 0, apiCalls: {} },
    findings: [],
    exempted: [],
    warnings: [],
    ...over,
  };
}

export function plantedReport(): Report {
  const prod = '111111111111';
  const dev = '222222222222';
  return buildReport(
    [
      audit('444444444444', 'old', {
        status: 'SKIPPED',
        strategy: 'none',
        reason: 'the account is SUSPENDED',
        fix: 'none while it is suspended; it is audited again once reinstated',
      }),
      audit(prod, HOSTILE_ACCOUNT_NAME, {
        findings: [
          // alice: one key, two findings; the histogram counts the key once, as critical.
          finding(prod, 'alice', { ageDays: 400, type: 'ROTATION_OVERDUE', severity: 'critical' }),
          finding(prod, 'alice', { ageDays: 400, type: 'UNUSED', severity: 'medium' }),
          finding(prod, 'bob', { ageDays: 95, type: 'ROTATION_OVERDUE', severity: 'high' }),
          finding(prod, 'bob', {
            ageDays: null,
            accessKeyId: null,
            keySlot: null,
            type: 'TWO_ACTIVE_KEYS',
            severity: 'low',
          }),
          finding(prod, 'carol', { ageDays: 85, type: 'ROTATION_DUE_SOON', severity: 'low' }),
        ],
        exempted: [
          finding(prod, 'dave', {
            ageDays: 200,
            exemption: { source: 'tag', reason: HOSTILE_REASON, until: '2099-01-01' },
          }),
        ],
      }),
      audit(dev, 'dev " onmouseover="window.__pwned=3', {
        findings: [
          finding(dev, 'eve', {
            ageDays: 50,
            lastUsedAt: null,
            lastUsedService: null,
            type: 'NEVER_USED',
            severity: 'medium',
          }),
        ],
      }),
      audit('333333333333', 'sandbox', {
        status: 'FAILED',
        strategy: 'none',
        errorName: 'AuditRoleMissingError',
        reason: 'audit role missing',
        fix: 'the StackSet has not reached this account: add its OU to the rollout',
      }),
    ],
    {
      executionName: 'daily-20250304',
      executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-20250304',
      generatedAt: new Date('2025-03-04T05:30:00Z'),
      reason: null,
      dryRun: false,
      thresholds: {},
    },
  );
}
