/**
 * Recorded calls: every AWS request the server serves, with the IAM action and resource ARN
 * AWS's Service Authorization Reference gives it. Expected ARNs are written out by hand.
 */
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli';
import { type RecordedCall, type RunningEmulator, startEmulator } from '../src/index';
import {
  adminFetch,
  assumeAuditRole,
  auditorCredentials,
  type Credentials,
  iam,
  organizations,
  s3,
  sns,
  sqs,
  sts,
} from './helpers';

const REGION = 'eu-west-1';
const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const MEMBER = '333333333333';
const SPEC = {
  now: '2025-06-15T12:00:00Z',
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: MEMBER, name: 'payments', users: [{ name: 'alice', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] }] },
  ],
};
const AUDITOR_ARN = 'arn:aws:sts::222222222222:assumed-role/OrgKeyAuditAuditor/org-key-audit';
const SESSION_ARN = 'arn:aws:sts::333333333333:assumed-role/OrgKeyAuditRole/org-key-audit-test';
const ALICE_ARN = 'arn:aws:iam::333333333333:user/alice';
const BUCKET = 'org-key-audit-reports-222222222222';
const ACCOUNT_FAILURES_ARN = 'arn:aws:sqs:eu-west-1:222222222222:org-key-audit-account-failures';
const DIGEST_TOPIC_ARN = 'arn:aws:sns:eu-west-1:222222222222:org-key-audit-digest';

let emu: RunningEmulator;
beforeEach(async () => {
  emu = await startEmulator({ orgSpec: SPEC, region: REGION });
});
afterEach(async () => {
  await emu.stop();
});

/** The record without its seq, for comparing. */
const shape = ({ seq: _seq, ...rest }: RecordedCall) => rest;

function aliceCredentials(): Credentials {
  const key = emu.state.accounts.get(MEMBER)!.users[0]!.keys[0]!;
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

/** A raw AWS request: the emulator reads the SigV4 scope and does not check signatures. */
function rawRequest(
  service: string,
  accessKeyId: string,
  path: string,
  init: { method?: string; body?: string; contentType?: string } = {},
): Promise<Response> {
  return fetch(`${emu.url}${path}`, {
    method: init.method ?? 'POST',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250615/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=00`,
      ...(init.contentType === undefined ? {} : { 'content-type': init.contentType }),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

describe('recorded calls', () => {
  it('records STS, IAM and Organizations calls with their IAM action, resource and caller', async () => {
    await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    const session = await assumeAuditRole(emu, MEMBER);
    const member = iam(emu, session);
    await member.send(new ListUsersCommand({}));
    await member.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    await member.send(new ListUserTagsCommand({ UserName: 'alice' }));
    await member.send(new GenerateCredentialReportCommand({}));
    await member.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: aliceCredentials().accessKeyId }));
    await iam(emu, aliceCredentials()).send(new ListAccessKeysCommand({}));
    await organizations(emu, auditorCredentials(emu)).send(new ListAccountsCommand({}));

    const asAuditor = { callerArn: AUDITOR_ARN, callerAccountId: AUDIT, region: REGION, outcome: 'ok' };
    const asSession = { callerArn: SESSION_ARN, callerAccountId: MEMBER, region: REGION, outcome: 'ok' };
    expect(emu.calls().map(shape)).toEqual([
      { service: 'sts', action: 'sts:GetCallerIdentity', resource: '*', ...asAuditor },
      {
        service: 'sts',
        action: 'sts:AssumeRole',
        resource: 'arn:aws:iam::333333333333:role/OrgKeyAuditRole',
        ...asAuditor,
      },
      { service: 'iam', action: 'iam:ListUsers', resource: '*', ...asSession },
      { service: 'iam', action: 'iam:ListAccessKeys', resource: ALICE_ARN, ...asSession },
      { service: 'iam', action: 'iam:ListUserTags', resource: ALICE_ARN, ...asSession },
      { service: 'iam', action: 'iam:GenerateCredentialReport', resource: '*', ...asSession },
      // IAM authorizes GetAccessKeyLastUsed on the user who owns the key.
      { service: 'iam', action: 'iam:GetAccessKeyLastUsed', resource: ALICE_ARN, ...asSession },
      // Without a UserName, IAM acts on (and authorizes against) the calling user.
      {
        service: 'iam',
        action: 'iam:ListAccessKeys',
        resource: ALICE_ARN,
        callerArn: ALICE_ARN,
        callerAccountId: MEMBER,
        region: REGION,
        outcome: 'ok',
      },
      { service: 'organizations', action: 'organizations:ListAccounts', resource: '*', ...asAuditor },
    ]);
    expect(emu.calls().map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('records S3 calls as the actions S3 authorizes them as, on object or bucket ARNs', async () => {
    const client = s3(emu, auditorCredentials(emu));
    const Key = 'reports/2025-06-15/run.json';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: '{}' }));
    await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString();
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
    await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    const objectArn = 'arn:aws:s3:::org-key-audit-reports-222222222222/reports/2025-06-15/run.json';
    const bucketArn = 'arn:aws:s3:::org-key-audit-reports-222222222222';
    expect(emu.calls().map((c) => [c.action, c.resource, c.outcome])).toEqual([
      ['s3:PutObject', objectArn, 'ok'],
      ['s3:GetObject', objectArn, 'ok'],
      ['s3:GetObject', objectArn, 'ok'],
      ['s3:ListBucket', bucketArn, 'ok'],
      ['s3:ListBucket', bucketArn, 'ok'],
      ['s3:DeleteObject', objectArn, 'ok'],
      ['s3:GetObject', objectArn, 'error'],
    ]);
    expect(emu.calls().every((c) => c.service === 's3' && c.callerArn === AUDITOR_ARN)).toBe(true);
  });

  it('records multipart uploads as s3:PutObject on the object', async () => {
    const key = auditorCredentials(emu).accessKeyId;
    await rawRequest('s3', key, `/${BUCKET}/big/report.csv?uploads`);
    await rawRequest('s3', key, `/${BUCKET}/big/report.csv?partNumber=1&uploadId=u1`, {
      method: 'PUT',
      body: 'x',
    });
    await rawRequest('s3', key, `/${BUCKET}/big/report.csv?uploadId=u1`, {
      body: '<CompleteMultipartUpload/>',
    });
    expect(emu.calls().map((c) => [c.action, c.resource])).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::org-key-audit-reports-222222222222/big/report.csv'],
      ['s3:PutObject', 'arn:aws:s3:::org-key-audit-reports-222222222222/big/report.csv'],
      ['s3:PutObject', 'arn:aws:s3:::org-key-audit-reports-222222222222/big/report.csv'],
    ]);
  });

  it('records SQS calls on the queue ARN from the QueueUrl, the QueueName, a query parameter or the path', async () => {
    const client = sqs(emu, auditorCredentials(emu));
    const QueueUrl = emu.resources.queues.accountFailures;
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }));
    // The emulator has no SendMessageBatch (InvalidAction), but the call is recorded all the same.
    await expect(
      client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'two' }] })),
    ).rejects.toMatchObject({ name: 'InvalidAction' });
    await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    await client.send(new GetQueueUrlCommand({ QueueName: 'org-key-audit-account-failures' }));
    await client.send(new ListQueuesCommand({}));
    // The query protocol: QueueUrl as a form parameter, or the queue addressed by the path.
    const key = auditorCredentials(emu).accessKeyId;
    const form = 'application/x-www-form-urlencoded';
    await rawRequest('sqs', key, '/', {
      contentType: form,
      body: `Action=SendMessage&QueueUrl=${encodeURIComponent(QueueUrl)}&MessageBody=x`,
    });
    await rawRequest('sqs', key, '/222222222222/org-key-audit-digest-failures', {
      contentType: form,
      body: 'Action=SendMessage&MessageBody=x',
    });
    expect(emu.calls().map((c) => [c.action, c.resource])).toEqual([
      ['sqs:SendMessage', ACCOUNT_FAILURES_ARN],
      // SendMessageBatch is authorized as sqs:SendMessage.
      ['sqs:SendMessage', ACCOUNT_FAILURES_ARN],
      ['sqs:ReceiveMessage', ACCOUNT_FAILURES_ARN],
      ['sqs:GetQueueUrl', ACCOUNT_FAILURES_ARN],
      ['sqs:ListQueues', '*'],
      ['sqs:SendMessage', ACCOUNT_FAILURES_ARN],
      ['sqs:SendMessage', 'arn:aws:sqs:eu-west-1:222222222222:org-key-audit-digest-failures'],
    ]);
    // The emulator's SQS speaks JSON only, so the two query-protocol requests are errors.
    expect(emu.calls().map((c) => c.outcome)).toEqual(['ok', 'error', 'ok', 'ok', 'ok', 'error', 'error']);
  });

  it('records SNS Publish on the TopicArn', async () => {
    await sns(emu, auditorCredentials(emu)).send(
      new PublishCommand({ TopicArn: emu.resources.digestTopicArn, Message: 'digest' }),
    );
    expect(emu.calls().map(shape)).toEqual([
      {
        service: 'sns',
        action: 'sns:Publish',
        resource: DIGEST_TOPIC_ARN,
        callerArn: AUDITOR_ARN,
        callerAccountId: AUDIT,
        region: REGION,
        outcome: 'ok',
      },
    ]);
  });

  it("records a handler's error as 'error', an untrusted AssumeRole included", async () => {
    await expect(
      sts(emu, aliceCredentials()).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::333333333333:role/OrgKeyAuditRole',
          RoleSessionName: 'sneaky',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(
      iam(emu, aliceCredentials()).send(new ListAccessKeysCommand({ UserName: 'nobody' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(emu.calls().map((c) => [c.action, c.resource, c.callerArn, c.outcome])).toEqual([
      ['sts:AssumeRole', 'arn:aws:iam::333333333333:role/OrgKeyAuditRole', ALICE_ARN, 'error'],
      ['iam:ListAccessKeys', 'arn:aws:iam::333333333333:user/nobody', ALICE_ARN, 'error'],
    ]);
  });

  it("records injected faults as 'fault': 5xx, resets, throttling, and faults inside handlers", async () => {
    const auditor = auditorCredentials(emu);
    const session = await assumeAuditRole(emu, MEMBER);
    emu.clearCalls();

    emu.faults.merge({ errorRate: { rate: 1, kind: '5xx', services: ['sts'] } });
    await expect(sts(emu, auditor).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
    emu.faults.merge({ errorRate: { rate: 1, kind: 'reset', services: ['sts'] } });
    await expect(sts(emu, auditor).send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    emu.faults.merge({
      errorRate: null,
      iamThrottling: { storm: { accounts: [MEMBER], ratePerSecond: 0, burst: 0 } },
    });
    await expect(iam(emu, session).send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
    });
    emu.faults.merge({ iamThrottling: { storm: null }, organizationsThrottling: { count: 1 } });
    await expect(organizations(emu, auditor).send(new ListAccountsCommand({}))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
    emu.faults.merge({ assumeRoleDenied: { accounts: [MEMBER] } });
    await expect(
      sts(emu, auditor).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::333333333333:role/OrgKeyAuditRole',
          RoleSessionName: 'denied-by-fault',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    emu.messaging.faults.snsPublishFailure = { count: 1 };
    await expect(
      sns(emu, auditor).send(new PublishCommand({ TopicArn: DIGEST_TOPIC_ARN, Message: 'm' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    emu.messaging.faults.s3WriteFailure = { count: 1 };
    await expect(
      s3(emu, auditor).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'b' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });

    expect(emu.calls().map((c) => [c.action, c.outcome])).toEqual([
      ['sts:GetCallerIdentity', 'fault'],
      ['sts:GetCallerIdentity', 'fault'],
      ['iam:ListUsers', 'fault'],
      ['organizations:ListAccounts', 'fault'],
      ['sts:AssumeRole', 'fault'],
      ['sns:Publish', 'fault'],
      ['s3:PutObject', 'fault'],
    ]);
  });

  it('does not record requests whose credentials are unknown', async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };
    await expect(sts(emu, stranger).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    expect(emu.calls()).toEqual([]);
  });

  it('serves the calls at GET /_emulator/calls (with filters) and clears them with DELETE', async () => {
    const auditor = auditorCredentials(emu);
    await sts(emu, auditor).send(new GetCallerIdentityCommand({}));
    await sns(emu, auditor).send(new PublishCommand({ TopicArn: DIGEST_TOPIC_ARN, Message: 'm' }));

    const all = await adminFetch(emu, 'GET', '/_emulator/calls');
    expect(all.status).toBe(200);
    expect(all.json).toEqual({
      recording: true,
      calls: [
        {
          seq: 1,
          service: 'sts',
          action: 'sts:GetCallerIdentity',
          resource: '*',
          callerArn: AUDITOR_ARN,
          callerAccountId: AUDIT,
          region: REGION,
          outcome: 'ok',
        },
        {
          seq: 2,
          service: 'sns',
          action: 'sns:Publish',
          resource: DIGEST_TOPIC_ARN,
          callerArn: AUDITOR_ARN,
          callerAccountId: AUDIT,
          region: REGION,
          outcome: 'ok',
        },
      ],
    });
    const filtered = await adminFetch(emu, 'GET', '/_emulator/calls?service=sns&outcome=ok');
    expect((filtered.json as { calls: RecordedCall[] }).calls.map((c) => c.seq)).toEqual([2]);
    expect(emu.admin('/_emulator/calls?action=sts:GetCallerIdentity', 'GET').body).toMatchObject({
      calls: [{ seq: 1 }],
    });

    expect(await adminFetch(emu, 'DELETE', '/_emulator/calls')).toEqual({
      status: 200,
      json: { cleared: 2 },
    });
    expect(emu.calls()).toEqual([]);
    // Sequence numbers go on after a clear: a seq names one call for the emulator's lifetime.
    await sts(emu, auditor).send(new GetCallerIdentityCommand({}));
    expect(emu.calls().map((c) => c.seq)).toEqual([3]);
    emu.clearCalls();
    expect(emu.calls()).toEqual([]);
  });

  it('returns a snapshot: later calls do not change an array already handed out', async () => {
    await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    const before = emu.calls();
    await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    expect(before).toHaveLength(1);
    expect(emu.calls()).toHaveLength(2);
  });
});

describe('recordCalls: false', () => {
  it('records nothing, and says so on the admin route', async () => {
    const quiet = await startEmulator({ orgSpec: SPEC, recordCalls: false });
    try {
      await sts(quiet, auditorCredentials(quiet)).send(new GetCallerIdentityCommand({}));
      expect(quiet.calls()).toEqual([]);
      expect(quiet.admin('/_emulator/calls', 'GET')).toEqual({
        status: 200,
        body: { recording: false, calls: [] },
      });
      // Stats still count the call.
      expect(quiet.stats.snapshot().calls).toEqual([
        { accountId: AUDIT, service: 'sts', action: 'GetCallerIdentity', count: 1, throttled: 0 },
      ]);
    } finally {
      await quiet.stop();
    }
  });

  it('is what the --no-record-calls flag sets', () => {
    expect(parseCommandLine(['--no-record-calls']).options.recordCalls).toBe(false);
    expect(parseCommandLine([]).options.recordCalls).toBeUndefined();
  });
});
