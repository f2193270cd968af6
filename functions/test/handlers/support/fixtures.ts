/** Small builders for planted data; every value a test asserts on is written in the test itself. */
import type { AccountAudit, Finding } from '../../../src/core/model';

export function finding(accountId: string, overrides: Partial<Finding> = {}): Finding {
  return {
    accountId,
    userName: 'deploy-bot',
    userArn: `arn:aws:iam::${accountId}:user/deploy-bot`,
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    keySlot: 1,
    status: 'Active',
    createdAt: '2024-01-01T00:00:00.000Z',
    ageDays: 120,
    lastUsedAt: '2024-04-01T00:00:00.000Z',
    lastUsedService: 's3',
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...overrides,
  };
}

export function auditedAccount(
  accountId: string,
  findings: readonly Finding[] = [],
  overrides: Partial<AccountAudit> = {},
): AccountAudit {
  return {
    schemaVersion: 1,
    accountId,
    accountName: `account-${accountId}`,
    status: 'AUDITED',
    strategy: 'credential-report',
    reportGeneratedAt: '2024-05-01T06:00:00.000Z',
    counts: {
      users: 3,
      activeKeys: 2,
      inactiveKeys: 0,
      findings: findings.length,
      exempted: 0,
      apiCalls: { 'iam:GetCredentialReport': 1 },
    },
    findings,
    exempted: [],
    warnings: [],
    ...overrides,
  };
}
