/**
 * The AuditAccount handler's time budget (handlers/audit-account.ts): the Lambda context's
 * remaining time against AUDIT_SAFETY_MARGIN_MS, a direct call (no context) in one go, and the
 * token of an earlier invocation read back from S3 through the real RunStore.
 */
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportBytes } from '../../../test/support/credential-report-csv';
import type { AuditAccountResult } from '../../src/app/audit-account';
import { CredentialCache } from '../../src/aws/assume-role';
import { DEFAULT_AUDIT_SAFETY_MARGIN_MS } from '../../src/core/continuation';
import { InvalidInputError, MalformedDataError } from '../../src/core/errors';
import type { AccountAudit } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { makeAuditAccountHandler } from '../../src/handlers/audit-account';
import type { LambdaContext } from '../../src/runtime/lazy-handler';
import { type MemoryS3, memoryS3 } from './support/memory-s3';
import { recordingTelemetry } from './support/telemetry';

const ACCOUNT = '222222222222';
const BUCKET = 'report-bucket';
const NOW = new Date('2024-06-01T00:00:00.000Z');
const EXECUTION = 'daily-2024-06-01';
const CHECKPOINT_KEY = `runs/${EXECUTION}/checkpoints/${ACCOUNT}.json`;
const RESULT_KEY = `runs/${EXECUTION}/accounts/${ACCOUNT}.json`;

// alice (2024-02-02, 120 days) and carol (2024-01-01, 152 days) are over the 90-day rotation
// limit: flagged. bob's key is 31 days old: clean, never followed up.
const CREATED: Record<string, Date> = {
  alice: new Date('2024-02-02T00:00:00Z'),
  bob: new Date('2024-05-01T00:00:00Z'),
  carol: new Date('2024-01-01T00:00:00Z'),
};
const LAST_USED = new Date('2024-05-22T00:00:00Z');
const REPORT = reportBytes(
  [
    { user: '<root_account>' },
    ...Object.entries(CREATED).map(([user, lastRotated]) => ({
      user,
      keys: [{ active: true, lastRotated, lastUsed: LAST_USED }],
    })),
  ],
  ACCOUNT,
);
const keyIdOf = (user: string) => `AKIA${user.toUpperCase().padEnd(16, '0')}`;

const event = {
  accountId: ACCOUNT,
  executionName: EXECUTION,
  executionArn: `arn:aws:states:us-east-1:111111111111:execution:AuditOrganization:${EXECUTION}`,
  thresholds: {},
};

function contextWith(remainingMs: number): LambdaContext {
  return {
    functionName: 'AuditAccount',
    memoryLimitInMB: '512',
    awsRequestId: '00000000-0000-4000-8000-000000000000',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:AuditAccount',
    getRemainingTimeInMillis: () => remainingMs,
  };
}

describe('AuditAccount handler: time budget and continuation', () => {
  const sts = mockClient(STSClient);
  const iam = mockClient(IAMClient);
  let s3: MemoryS3;

  function handler(auditSafetyMarginMs?: number) {
    return makeAuditAccountHandler({
      sts: new STSClient({ region: 'us-east-1' }),
      s3: s3.client,
      iamFor: () => new IAMClient({ region: 'us-east-1' }),
      config: {
        reportBucket: BUCKET,
        auditRoleName: 'OrgKeyAuditRole',
        thresholds: DEFAULT_THRESHOLDS,
        exemptions: [],
        ...(auditSafetyMarginMs === undefined ? {} : { auditSafetyMarginMs }),
      },
      telemetry: recordingTelemetry(),
      now: () => NOW,
      collector: { sleep: async () => {}, random: () => 0 },
      collectOptions: { concurrency: 1 },
      credentialCache: new CredentialCache(() => NOW),
    });
  }

  beforeEach(() => {
    s3 = memoryS3();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLEACCESSKEY',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date('2024-06-01T01:00:00.000Z'),
      },
    });
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({
      Content: REPORT,
      GeneratedTime: new Date('2024-05-31T22:00:00Z'),
    });
    for (const [user, createDate] of Object.entries(CREATED)) {
      iam.on(ListAccessKeysCommand, { UserName: user }).resolves({
        AccessKeyMetadata: [
          { UserName: user, AccessKeyId: keyIdOf(user), Status: 'Active', CreateDate: createDate },
        ],
        IsTruncated: false,
      });
    }
    iam.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 0 } });
  });
  afterEach(() => {
    sts.reset();
    iam.reset();
    s3.mock.restore();
  });

  const listedUsers = () => iam.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input.UserName);

  it('without a context (a direct call) has no deadline: the account in one go', async () => {
    const result = await handler(60_000)(event);
    expect(result).toEqual({ accountId: ACCOUNT, status: 'AUDITED', resultKey: RESULT_KEY, findings: 2 });
    expect(listedUsers()).toEqual(['alice', 'carol']);
    expect(s3.get(BUCKET, CHECKPOINT_KEY)).toBeUndefined();
  });

  it('with a context under the default 30 s margin, stops before any follow-up and keeps a checkpoint', async () => {
    expect(DEFAULT_AUDIT_SAFETY_MARGIN_MS).toBe(30_000);
    const result = await handler()(event, contextWith(29_999));
    expect(result).toEqual({
      accountId: ACCOUNT,
      status: 'CONTINUE',
      continuation: { key: CHECKPOINT_KEY, iteration: 1 },
      pending: 2,
    });
    expect(listedUsers()).toEqual([]);
    expect(s3.get(BUCKET, CHECKPOINT_KEY)).toBeDefined();
    expect(s3.get(BUCKET, RESULT_KEY)).toBeUndefined();
  });

  it('with exactly the margin left (not less), starts the follow-ups', async () => {
    const result = await handler()(event, contextWith(30_000));
    expect(result).toMatchObject({ status: 'AUDITED', resultKey: RESULT_KEY, findings: 2 });
  });

  it('uses the configured margin: 0 never stops, 10 s stops at 9,999 ms left', async () => {
    expect(await handler(0)(event, contextWith(0))).toMatchObject({ status: 'AUDITED' });
    expect(await handler(10_000)(event, contextWith(9_999))).toMatchObject({
      status: 'CONTINUE',
      pending: 2,
    });
  });

  it('resumes from the token in the event, one follow-up per late invocation, then stores the audit', async () => {
    const run = handler();
    const first = await run(event, contextWith(0));
    const token = (first as Extract<AuditAccountResult, { status: 'CONTINUE' }>).continuation;
    const second = await run({ ...event, continuation: token }, contextWith(0));
    expect(second).toEqual({
      accountId: ACCOUNT,
      status: 'CONTINUE',
      continuation: { key: CHECKPOINT_KEY, iteration: 2 },
      pending: 1,
    });
    expect(listedUsers()).toEqual(['alice']);
    const third = await run(
      {
        ...event,
        continuation: (second as Extract<AuditAccountResult, { status: 'CONTINUE' }>).continuation,
      },
      contextWith(0),
    );
    expect(third).toEqual({ accountId: ACCOUNT, status: 'AUDITED', resultKey: RESULT_KEY, findings: 2 });
    expect(listedUsers()).toEqual(['alice', 'carol']);
    // The report was generated in the first invocation only.
    expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
    expect(iam.commandCalls(GetAccountSummaryCommand)).toHaveLength(1);

    const stored = s3.json(BUCKET, RESULT_KEY) as AccountAudit;
    expect(stored.findings.map((f) => [f.userName, f.accessKeyId, f.type, f.ageDays])).toEqual([
      ['carol', keyIdOf('carol'), 'ROTATION_OVERDUE', 152],
      ['alice', keyIdOf('alice'), 'ROTATION_OVERDUE', 120],
    ]);
    expect(stored.counts.apiCalls).toMatchObject({
      'iam:GetAccountSummary': 1,
      'iam:ListAccessKeys': 2,
      'iam:ListUserTags': 2,
    });
  });

  it('a continuation: null event is a first invocation', async () => {
    const result = await handler()({ ...event, continuation: null }, contextWith(0));
    expect(result).toMatchObject({ status: 'CONTINUE', continuation: { iteration: 1 } });
  });

  it('fails with MalformedDataError naming s3://bucket/key when the checkpoint is damaged', async () => {
    s3.put(BUCKET, CHECKPOINT_KEY, 'not json');
    const failure = handler()(
      { ...event, continuation: { key: CHECKPOINT_KEY, iteration: 1 } },
      contextWith(0),
    );
    await expect(failure).rejects.toBeInstanceOf(MalformedDataError);
    await expect(failure).rejects.toThrow(
      `the audit checkpoint s3://${BUCKET}/${CHECKPOINT_KEY} is not JSON`,
    );
    expect(iam.calls()).toHaveLength(0);
    expect(s3.get(BUCKET, RESULT_KEY)).toBeUndefined();
  });

  it('rejects a bad continuation in the event, naming the field', async () => {
    const bad = handler()({ ...event, continuation: { key: CHECKPOINT_KEY, iteration: 0 } }, contextWith(0));
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(bad).rejects.toThrow('event field continuation.iteration must be at least 1');
    expect(iam.calls()).toHaveLength(0);
  });
});
