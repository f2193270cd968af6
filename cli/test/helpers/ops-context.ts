/** A test OpsContext: captured stdout/stderr, mocked clients, a fixed clock and a sleep that only records. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { OpsContext } from '../../src/ops/context';

export const REGION = 'eu-west-1';
export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:111111111111:stateMachine:AuditOrganization';
export const executionArn = (name: string) =>
  `arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:${name}`;

export function testContext(now = new Date('2025-03-04T05:06:07.890Z')) {
  const clients = {
    sfn: new SFNClient({ region: REGION }),
    sqs: new SQSClient({ region: REGION }),
    s3: new S3Client({ region: REGION }),
    cloudformation: new CloudFormationClient({ region: REGION }),
  };
  const mocks = {
    sfn: mockClient(clients.sfn),
    sqs: mockClient(clients.sqs),
    s3: mockClient(clients.s3),
    cloudformation: mockClient(clients.cloudformation),
  };
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sleeps: number[] = [];
  const exitCodes: number[] = [];
  let clock = now.getTime();
  const ctx: OpsContext = {
    io: { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false },
    clients: () => clients,
    now: () => new Date(clock),
    // Advancing the clock by the slept time keeps elapsed-time logic honest without waiting.
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    nonce: () => 'fixed-nonce',
    env: {},
    setExitCode: (code) => exitCodes.push(code),
  };
  return { ctx, clients, mocks, stdout, stderr, sleeps, exitCodes };
}

/** One AuditOrganization execution output (docs/contracts.md) with the given failed accounts. */
export function summaryJson(
  failed: readonly string[],
  overrides: Partial<{ truncated: boolean; reportKey: string; executionName: string; audited: number }> = {},
): string {
  return JSON.stringify({
    executionName: overrides.executionName ?? 'daily-20250303',
    reason: null,
    dryRun: false,
    totals: {
      accounts: (overrides.audited ?? 3) + failed.length,
      audited: overrides.audited ?? 3,
      failed: failed.length,
      skipped: 0,
      findings: 4,
      exempted: 1,
      bySeverity: { critical: 1, high: 2, medium: 1, low: 0, info: 0 },
    },
    failedAccounts: failed.map((accountId) => ({
      accountId,
      errorName: 'AuditRoleMissingError',
      reason: 'audit role missing',
    })),
    failedAccountsTruncated: overrides.truncated ?? false,
    reportKey: overrides.reportKey ?? 'reports/daily-20250303/report.json',
    subject: '[org-key-audit] 4 keys need rotation',
  });
}
