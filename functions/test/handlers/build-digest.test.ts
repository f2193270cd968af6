import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { makeBuildDigestHandler } from '../../src/handlers/build-digest';
import { auditedAccount, finding } from './support/fixtures';
import { type MemoryS3, memoryS3 } from './support/memory-s3';
import { type RecordingTelemetry, recordingTelemetry } from './support/telemetry';

const BUCKET = 'report-bucket';
const RUN = 'daily-2024-06-01';
const ARN = `arn:aws:states:us-east-1:111111111111:execution:AuditOrganization:${RUN}`;
const MANIFEST = 'map/5b1c/manifest.json';
const MAP_RUN_ARN = 'arn:aws:states:us-east-1:111111111111:mapRun:AuditOrganization/AuditAccounts:5b1c';

// The planted organization: one account per way an iteration can end.
const AUDITED = '100000000001'; // stored result, 2 findings (1 high, 1 medium) and one exempted
const ROLE_MISSING = '100000000002'; // expected failure: stored FAILED result, Map output FAILED
const CRASHED = '100000000003'; // Lambda threw, Catch built the FAILED result; Cause is Lambda's JSON
const TIMED_OUT = '100000000004'; // the child execution itself failed: ResultWriter FAILED file
const LOST = '100000000005'; // in items.json, but nothing recorded anywhere
const SUSPENDED = '100000000006'; // skipped by ListAccounts

const organization = [
  { accountId: AUDITED, accountName: 'prod', state: 'ACTIVE', decision: 'AUDIT' },
  { accountId: ROLE_MISSING, accountName: 'sandbox', state: 'ACTIVE', decision: 'AUDIT' },
  { accountId: CRASHED, accountName: 'data', state: 'ACTIVE', decision: 'AUDIT' },
  { accountId: TIMED_OUT, accountName: 'legacy', state: 'ACTIVE', decision: 'AUDIT' },
  { accountId: LOST, accountName: 'lost', state: 'ACTIVE', decision: 'AUDIT' },
  {
    accountId: SUSPENDED,
    accountName: 'old',
    state: 'SUSPENDED',
    decision: 'SKIP',
    reason: 'the account is suspended',
    fix: 'none while it is suspended; it is audited again once reinstated',
  },
];

const lambdaCause = JSON.stringify({
  errorType: 'IamThrottledError',
  errorMessage: 'IAM kept throttling iam:GenerateCredentialReport in account 100000000003',
  trace: ['IamThrottledError: IAM kept throttling', '    at collectAccount (collector.ts:1:1)'],
});

function plantRun(s3: MemoryS3): void {
  s3.put(BUCKET, `runs/${RUN}/organization.json`, organization);
  s3.put(
    BUCKET,
    `runs/${RUN}/accounts/${AUDITED}.json`,
    auditedAccount(
      AUDITED,
      [
        finding(AUDITED, { type: 'ROTATION_OVERDUE', severity: 'high' }),
        finding(AUDITED, { type: 'UNUSED', severity: 'medium', userName: 'ci' }),
      ],
      {
        accountName: AUDITED,
        exempted: [
          finding(AUDITED, {
            type: 'ROTATION_OVERDUE',
            severity: 'high',
            userName: 'legacy-app',
            exemption: { source: 'tag', reason: 'vendor appliance', until: '2024-12-31' },
          }),
        ],
      },
    ),
  );
  s3.put(BUCKET, `runs/${RUN}/accounts/${ROLE_MISSING}.json`, {
    ...auditedAccount(ROLE_MISSING),
    accountName: ROLE_MISSING,
    status: 'FAILED',
    strategy: 'none',
    errorName: 'AuditRoleMissingError',
    reason: 'the audit role OrgKeyAuditRole is missing',
    fix: 'deploy the audit role: the StackSet has not reached this account, the account is outside its target OUs, or the role does not trust the auditor',
  });
  s3.put(BUCKET, MANIFEST, {
    DestinationBucket: BUCKET,
    MapRunArn: MAP_RUN_ARN,
    ResultFiles: {
      FAILED: [{ Key: 'map/5b1c/FAILED_0.json', Size: 1 }],
      PENDING: [],
      SUCCEEDED: [{ Key: 'map/5b1c/SUCCEEDED_0.json', Size: 1 }],
    },
  });
  const input = (accountId: string) => JSON.stringify({ accountId, executionName: RUN, executionArn: ARN });
  s3.put(BUCKET, 'map/5b1c/SUCCEEDED_0.json', [
    {
      ExecutionArn: 'child-1',
      Input: input(AUDITED),
      Output: JSON.stringify({ accountId: AUDITED, status: 'AUDITED', resultKey: 'k', findings: 2 }),
      Status: 'SUCCEEDED',
    },
    {
      ExecutionArn: 'child-2',
      Input: input(ROLE_MISSING),
      Output: JSON.stringify({
        accountId: ROLE_MISSING,
        status: 'FAILED',
        errorName: 'AuditRoleMissingError',
        reason: 'the audit role OrgKeyAuditRole is missing',
      }),
      Status: 'SUCCEEDED',
    },
    {
      // The ASL's AccountFailed Pass state: { accountId, status, errorName: Error, reason: Cause }.
      ExecutionArn: 'child-3',
      Input: input(CRASHED),
      Output: JSON.stringify({
        accountId: CRASHED,
        status: 'FAILED',
        errorName: 'IamThrottledError',
        reason: lambdaCause,
      }),
      Status: 'SUCCEEDED',
    },
  ]);
  s3.put(BUCKET, 'map/5b1c/FAILED_0.json', [
    {
      ExecutionArn: 'child-4',
      Input: input(TIMED_OUT),
      Status: 'FAILED',
      Error: 'States.Timeout',
      Cause: 'The execution timed out after 900 seconds.',
    },
  ]);
}

const event = {
  executionName: RUN,
  executionArn: ARN,
  input: { accountIds: null, dryRun: false, thresholds: {}, reason: 'daily' },
  accounts: {
    bucket: BUCKET,
    itemsKey: `runs/${RUN}/items.json`,
    organizationKey: `runs/${RUN}/organization.json`,
    total: 6,
    toAudit: 5,
    skipped: 1,
    maxConcurrency: 40,
  },
  map: { MapRunArn: MAP_RUN_ARN, ResultWriterDetails: { Bucket: BUCKET, Key: MANIFEST } },
};

describe('BuildDigest handler', () => {
  let s3: MemoryS3;
  let telemetry: RecordingTelemetry;

  function handler() {
    return makeBuildDigestHandler({
      s3: s3.client,
      thresholds: DEFAULT_THRESHOLDS,
      telemetry,
      now: () => new Date('2024-06-01T07:00:00.000Z'),
      readConcurrency: 3,
      consoleRegion: 'us-east-1',
    });
  }

  beforeEach(() => {
    s3 = memoryS3();
    telemetry = recordingTelemetry();
  });
  afterEach(() => {
    s3.mock.restore();
  });

  it('accounts for every organization account exactly once, and the counts add up', async () => {
    plantRun(s3);
    const result = await handler()(event);

    // 6 accounts: 1 audited, 4 failed (role missing, crash, timeout, lost), 1 skipped.
    expect(result.summary.totals).toMatchObject({ accounts: 6, audited: 1, failed: 4, skipped: 1 });
    const t = result.summary.totals;
    expect(t.audited + t.failed + t.skipped).toBe(organization.length);
    expect(t.findings).toBe(2);
    expect(t.exempted).toBe(1);
    expect(t.bySeverity).toEqual({ critical: 0, high: 1, medium: 1, low: 0, info: 0 });

    const report = s3.json(BUCKET, `reports/${RUN}/report.json`) as {
      accounts: {
        accountId: string;
        accountName: string;
        status: string;
        errorName?: string;
        reason?: string;
      }[];
    };
    const byId = new Map(report.accounts.map((a) => [a.accountId, a]));
    expect(report.accounts).toHaveLength(6);
    expect(byId.get(AUDITED)).toMatchObject({ status: 'AUDITED', accountName: 'prod' });
    expect(byId.get(ROLE_MISSING)).toMatchObject({ status: 'FAILED', errorName: 'AuditRoleMissingError' });
    expect(byId.get(SUSPENDED)).toMatchObject({ status: 'SKIPPED', reason: 'the account is suspended' });
  });

  it('explains each failure: Lambda error message (not its JSON), child error, and "no result recorded"', async () => {
    plantRun(s3);
    const { summary } = await handler()(event);

    const failed = Object.fromEntries(summary.failedAccounts.map((f) => [f.accountId, f]));
    expect(Object.keys(failed).sort()).toEqual([ROLE_MISSING, CRASHED, TIMED_OUT, LOST].sort());
    expect(failed[ROLE_MISSING]).toEqual({
      accountId: ROLE_MISSING,
      errorName: 'AuditRoleMissingError',
      reason: 'the audit role OrgKeyAuditRole is missing',
    });
    expect(failed[CRASHED]).toEqual({
      accountId: CRASHED,
      errorName: 'IamThrottledError',
      reason: 'IAM kept throttling iam:GenerateCredentialReport in account 100000000003',
    });
    expect(failed[TIMED_OUT]).toEqual({
      accountId: TIMED_OUT,
      errorName: 'States.Timeout',
      reason: 'The execution timed out after 900 seconds.',
    });
    expect(failed[LOST]).toEqual({
      accountId: LOST,
      errorName: 'NoResultRecorded',
      reason: 'no result recorded',
    });
    expect(summary.failedAccountsTruncated).toBe(false);
  });

  it('writes report.json, report.csv and digest.txt and returns their keys with the subject', async () => {
    plantRun(s3);
    const result = await handler()(event);

    expect(result).toMatchObject({
      reportKey: `reports/${RUN}/report.json`,
      csvKey: `reports/${RUN}/report.csv`,
      digestKey: `reports/${RUN}/digest.txt`,
    });
    expect(result.summary).toMatchObject({
      executionName: RUN,
      reason: 'daily',
      dryRun: false,
      reportKey: `reports/${RUN}/report.json`,
      subject: result.subject,
    });
    // Three finding rows (two to act on, one exempted) under the header.
    const csvLines = (s3.get(BUCKET, result.csvKey) ?? '').trimEnd().split('\r\n');
    expect(csvLines).toHaveLength(4);
    const digest = s3.get(BUCKET, result.digestKey) ?? '';
    expect(digest).toContain(`s3://${BUCKET}/reports/${RUN}/report.json`);
    expect(digest).toContain(LOST);
    expect(digest).not.toContain('"errorType"');
    expect(result.subject.length).toBeLessThanOrEqual(100);
    expect(result.subject).toContain('[org-key-audit]');
  });

  it('puts a per-user fallback in report.json top-level warnings and in the digest', async () => {
    plantRun(s3);
    const fallback =
      `account ${AUDITED}: the credential report could not be used (CredentialReportParseError: ` +
      'the header has no user column); audited user by user instead';
    s3.put(
      BUCKET,
      `runs/${RUN}/accounts/${AUDITED}.json`,
      auditedAccount(AUDITED, [finding(AUDITED)], {
        accountName: AUDITED,
        strategy: 'per-user',
        reportGeneratedAt: null,
        warnings: [fallback],
      }),
    );
    const result = await handler()(event);

    const report = JSON.parse(s3.get(BUCKET, result.reportKey) ?? 'null');
    // The organization listing names the account 'prod'; the Map records name every account.
    expect(report.warnings).toEqual([{ accountId: AUDITED, accountName: 'prod', messages: [fallback] }]);
    expect(report.schemaVersion).toBe(1);
    const digest = s3.get(BUCKET, result.digestKey) ?? '';
    expect(digest).toContain(`WARNINGS (1)\n  ${AUDITED}  prod\n    - ${fallback}\n`);
  });

  it('keeps the Map records it could not use as the run warnings', async () => {
    plantRun(s3);
    const inline = [
      { accountId: AUDITED, status: 'AUDITED', resultKey: 'k', findings: 2 },
      { status: 'AUDITED' },
    ];
    const result = await handler()({ ...event, map: inline });
    const report = JSON.parse(s3.get(BUCKET, result.reportKey) ?? 'null');
    expect(report.warnings).toEqual([
      {
        accountId: null,
        accountName: null,
        messages: ['a Map iteration (unknown execution) named no account; it was ignored'],
      },
    ]);
    expect(s3.get(BUCKET, result.digestKey)).toContain('WARNINGS (1)\n  This run\n');
  });

  it('emits accounts by status and findings by type', async () => {
    plantRun(s3);
    await handler()(event);

    const metric = (name: string, key: string, value: string) =>
      telemetry.metricsSeen.find((m) => m.name === name && m.dimensions[key] === value)?.value;
    expect(metric('Accounts', 'Status', 'AUDITED')).toBe(1);
    expect(metric('Accounts', 'Status', 'FAILED')).toBe(4);
    expect(metric('Accounts', 'Status', 'SKIPPED')).toBe(1);
    expect(metric('Findings', 'FindingType', 'ROTATION_OVERDUE')).toBe(1);
    expect(metric('Findings', 'FindingType', 'UNUSED')).toBe(1);
    expect(metric('Findings', 'FindingType', 'ROOT_ACCESS_KEY')).toBe(0);
  });

  it('accepts an inline Map output array (the local runner) instead of a ResultWriter manifest', async () => {
    plantRun(s3);
    const inline = [
      { accountId: AUDITED, status: 'AUDITED', resultKey: 'k', findings: 2 },
      { accountId: CRASHED, status: 'FAILED', errorName: 'IamThrottledError', reason: lambdaCause },
    ];
    const { summary } = await handler()({ ...event, map: inline });
    // ROLE_MISSING still counts through its stored result; TIMED_OUT and LOST have nothing.
    expect(summary.totals).toMatchObject({ accounts: 6, audited: 1, failed: 4, skipped: 1 });
    const reasons = Object.fromEntries(summary.failedAccounts.map((f) => [f.accountId, f.reason]));
    expect(reasons[TIMED_OUT]).toBe('no result recorded');
    expect(reasons[CRASHED]).toBe('IAM kept throttling iam:GenerateCredentialReport in account 100000000003');
  });

  it('reports an account whose stored result is corrupt as FAILED instead of failing the digest', async () => {
    plantRun(s3);
    s3.put(BUCKET, `runs/${RUN}/accounts/${AUDITED}.json`, { schemaVersion: 1, accountId: AUDITED });
    const { summary } = await handler()(event);
    expect(summary.totals).toMatchObject({ accounts: 6, audited: 0, failed: 5, skipped: 1, findings: 0 });
    const corrupt = summary.failedAccounts.find((f) => f.accountId === AUDITED);
    expect(corrupt?.errorName).toBe('MalformedDataError');
    expect(corrupt?.reason).toContain(`runs/${RUN}/accounts/${AUDITED}.json is not an AccountAudit`);
  });

  it('caps the failed accounts in the summary at 100 and says so, keeping the output small', async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      accountId: String(200000000000 + i),
      accountName: `a${i}`,
      state: 'ACTIVE',
      decision: 'AUDIT',
    }));
    s3.put(BUCKET, `runs/${RUN}/organization.json`, many);
    const { summary } = await handler()({ ...event, map: null });
    expect(summary.totals).toMatchObject({ accounts: 5_000, failed: 5_000 });
    expect(summary.failedAccounts).toHaveLength(100);
    expect(summary.failedAccountsTruncated).toBe(true);
    // The execution output is a Step Functions state: it must stay far below the 256 KiB limit.
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(64 * 1024);
  });

  it('fails with MalformedDataError naming the key when organization.json is missing', async () => {
    await expect(handler()(event)).rejects.toMatchObject({ name: 'MalformedDataError' });
    await expect(handler()(event)).rejects.toThrow(`runs/${RUN}/organization.json`);
  });
});
