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
import type { AuditAccountDone } from '../../src/app/audit-account';
import { CredentialCache } from '../../src/aws/assume-role';
import type { TemporaryCredentials } from '../../src/aws/clients';
import { InvalidInputError } from '../../src/core/errors';
import { FAILURE_FIXES } from '../../src/core/failures';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { makeAuditAccountHandler } from '../../src/handlers/audit-account';

const AUDIT_ROLE_MISSING_FIX = FAILURE_FIXES['AuditRoleMissingError'];

import { type MemoryS3, memoryS3 } from './support/memory-s3';
import { type RecordingTelemetry, recordingTelemetry } from './support/telemetry';

const ACCOUNT = '222222222222';
const BUCKET = 'report-bucket';
const NOW = new Date('2024-06-01T00:00:00.000Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,' +
  'mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,' +
  'access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,' +
  'cert_2_last_rotated';

// Planted: alice's key is 120 days old on 2024-06-01 (2024-02-02 -> 06-01) and used 10 days ago:
// exactly one finding, ROTATION_OVERDUE (>= 90, < 365: high). bob's key is 31 days old and in use.
const REPORT = [
  HEADER,
  `<root_account>,arn:aws:iam::${ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  `alice,arn:aws:iam::${ACCOUNT}:user/alice,2023-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-02-02T00:00:00+00:00,2024-05-22T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  `bob,arn:aws:iam::${ACCOUNT}:user/bob,2023-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-05-01T00:00:00+00:00,2024-05-31T00:00:00+00:00,us-east-1,ec2,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
].join('\n');

const event = {
  accountId: ACCOUNT,
  executionName: 'daily-2024-06-01',
  executionArn: 'arn:aws:states:us-east-1:111111111111:execution:AuditOrganization:daily-2024-06-01',
  thresholds: {},
};

describe('AuditAccount handler', () => {
  const sts = mockClient(STSClient);
  const iam = mockClient(IAMClient);
  let s3: MemoryS3;
  let telemetry: RecordingTelemetry;
  let credentialsSeen: TemporaryCredentials[];

  function handler() {
    credentialsSeen = [];
    return makeAuditAccountHandler({
      sts: new STSClient({ region: 'us-east-1' }),
      s3: s3.client,
      iamFor: (credentials) => {
        credentialsSeen.push(credentials);
        return new IAMClient({ region: 'us-east-1' });
      },
      config: {
        reportBucket: BUCKET,
        auditRoleName: 'OrgKeyAuditRole',
        thresholds: DEFAULT_THRESHOLDS,
        exemptions: [],
      },
      telemetry,
      now: () => NOW,
      collector: { sleep: async () => {}, random: () => 0 },
      credentialCache: new CredentialCache(() => NOW),
    });
  }

  function plantRole(): void {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLEACCESSKEY',
        SecretAccessKey: SECRET,
        SessionToken: TOKEN,
        Expiration: new Date('2024-06-01T01:00:00.000Z'),
      },
    });
  }

  function plantIam(): void {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({
      Content: new TextEncoder().encode(REPORT),
      GeneratedTime: new Date('2024-05-31T22:00:00Z'),
    });
    iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
      AccessKeyMetadata: [
        {
          UserName: 'alice',
          AccessKeyId: 'AKIAALICEEXAMPLE0001',
          Status: 'Active',
          CreateDate: new Date('2024-02-02T00:00:00Z'),
        },
      ],
      IsTruncated: false,
    });
    iam.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 0 } });
  }

  beforeEach(() => {
    s3 = memoryS3();
    telemetry = recordingTelemetry();
  });
  afterEach(() => {
    sts.reset();
    iam.reset();
    s3.mock.restore();
  });

  it('audits the account, stores the full result and returns the small summary', async () => {
    plantRole();
    plantIam();

    const result = await handler()(event);

    const resultKey = `runs/daily-2024-06-01/accounts/${ACCOUNT}.json`;
    expect(result).toEqual({ accountId: ACCOUNT, status: 'AUDITED', resultKey, findings: 1 });
    const stored = s3.json(BUCKET, resultKey) as {
      status: string;
      strategy: string;
      findings: { userName: string; type: string; severity: string; accessKeyId: string; ageDays: number }[];
    };
    expect(stored.status).toBe('AUDITED');
    expect(stored.strategy).toBe('credential-report');
    expect(stored.findings).toHaveLength(1);
    expect(stored.findings[0]).toMatchObject({
      userName: 'alice',
      type: 'ROTATION_OVERDUE',
      severity: 'high',
      accessKeyId: 'AKIAALICEEXAMPLE0001',
      ageDays: 120,
    });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/OrgKeyAuditRole`,
      RoleSessionName: 'daily-2024-06-01',
    });
    // The member-account IAM client got the assumed role's credentials, not the Lambda's.
    expect(credentialsSeen[0]?.accessKeyId).toBe('ASIAEXAMPLEACCESSKEY');
  });

  it('applies the execution threshold override on top of the deployed defaults', async () => {
    plantRole();
    plantIam();
    // Overdue at 150 days instead of 90 (critical stays 365): alice's 120-day key is now only
    // due soon (>= 80), a low finding of another type.
    await handler()({ ...event, thresholds: { rotationOverdueDays: 150 } });
    const stored = s3.json(BUCKET, `runs/daily-2024-06-01/accounts/${ACCOUNT}.json`) as {
      findings: { type: string; severity: string }[];
    };
    expect(stored.findings.map((f) => [f.type, f.severity])).toEqual([['ROTATION_DUE_SOON', 'low']]);
  });

  it('returns a FAILED result with the fix when the audit role is missing, and stores it', async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    const result = await handler()(event);

    expect(result).toMatchObject({
      accountId: ACCOUNT,
      status: 'FAILED',
      errorName: 'AuditRoleMissingError',
      findings: 0,
    });
    expect((result as AuditAccountDone).reason).toContain(ACCOUNT);
    const stored = s3.json(BUCKET, (result as AuditAccountDone).resultKey) as {
      status: string;
      fix: string;
      strategy: string;
    };
    expect(stored).toMatchObject({ status: 'FAILED', fix: AUDIT_ROLE_MISSING_FIX, strategy: 'none' });
    expect(AUDIT_ROLE_MISSING_FIX).toBe(
      'deploy the audit role: the StackSet has not reached this account, the account is outside its target OUs, or the role does not trust the auditor',
    );
    expect(iam.calls()).toHaveLength(0);
  });

  it('re-throws IAM throttling as IamThrottledError so the state machine retries it, storing nothing', async () => {
    plantRole();
    plantIam();
    iam
      .on(GenerateCredentialReportCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );

    const failure = handler()(event);

    await expect(failure).rejects.toMatchObject({ name: 'IamThrottledError' });
    expect(s3.get(BUCKET, `runs/daily-2024-06-01/accounts/${ACCOUNT}.json`)).toBeUndefined();
    expect(telemetry.lines.some((l) => l.level === 'error' && l.message === 'account audit failed')).toBe(
      true,
    );
  });

  it('logs the execution name and account id on every line, and never the session credentials', async () => {
    plantRole();
    plantIam();
    await handler()(event);

    expect(telemetry.lines.length).toBeGreaterThan(0);
    for (const line of telemetry.lines) {
      expect(line.keys).toEqual({ executionName: 'daily-2024-06-01', accountId: ACCOUNT });
    }
    expect(telemetry.dump()).not.toContain(SECRET);
    expect(telemetry.dump()).not.toContain(TOKEN);
  });

  it('rejects an event without a 12-digit account id, naming the field', async () => {
    await expect(handler()({ ...event, accountId: '42' })).rejects.toThrow(InvalidInputError);
    await expect(handler()({ ...event, accountId: '42' })).rejects.toThrow(/accountId/);
  });
});
