/**
 * The authorization hook: asked before each handler, a denial answers AWS's AccessDenied in
 * each protocol's own shape, which the real SDK v3 clients turn into AWS's error names.
 */
import { ListUsersCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthorizationDecision,
  type AuthorizationRequest,
  type RunningEmulator,
  startEmulator,
} from '../src/index';
import { assumeAuditRole, auditorCredentials, iam, organizations, s3, sns, sqs, sts } from './helpers';

const REGION = 'eu-west-1';
const AUDIT = '222222222222';
const MEMBER = '333333333333';
const NOW = new Date('2025-06-15T12:00:00Z');
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: MEMBER, name: 'payments', users: [{ name: 'alice', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] }] },
  ],
};
const AUDITOR_ARN = 'arn:aws:sts::222222222222:assumed-role/OrgKeyAuditAuditor/org-key-audit';
const BUCKET = 'org-key-audit-reports-222222222222';
const MEMBER_ROLE_ARN = 'arn:aws:iam::333333333333:role/OrgKeyAuditRole';

/** Denies the actions in `denied`, with AWS's implicit-deny message; remembers what it was asked. */
const denied = new Set<string>();
const asked: AuthorizationRequest[] = [];
function authorize(call: AuthorizationRequest): AuthorizationDecision {
  asked.push(call);
  if (!denied.has(call.action)) return { allowed: true };
  return {
    allowed: false,
    message: `User: ${call.callerArn} is not authorized to perform: ${call.action} on resource: ${call.resource} because no identity-based policy allows the ${call.action} action`,
  };
}

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW, region: REGION, authorize });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  denied.clear();
  asked.length = 0;
  emu.clearCalls();
  emu.faults.clear();
});

type AwsError = { name: string; message: string; $metadata: { httpStatusCode?: number } };
async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as AwsError,
  );
  if (!error) throw new Error('expected the call to fail');
  return error;
}

const message = (caller: string, action: string, resource: string) =>
  `User: ${caller} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

describe('authorize hook denials, per protocol', () => {
  it('S3: AccessDenied 403, and the object is not written', async () => {
    denied.add('s3:PutObject');
    const error = await failure(
      s3(emu, auditorCredentials(emu)).send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/x.json', Body: '{}' }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      message(AUDITOR_ARN, 's3:PutObject', 'arn:aws:s3:::org-key-audit-reports-222222222222/reports/x.json'),
    );
    expect([...emu.messaging.objects(BUCKET).keys()]).toEqual([]);
    expect(emu.calls().map((c) => [c.action, c.outcome])).toEqual([['s3:PutObject', 'denied']]);
  });

  it('S3 HEAD: 403 without a body, as S3 answers every HEAD error', async () => {
    denied.add('s3:GetObject');
    const error = await failure(
      s3(emu, auditorCredentials(emu)).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'reports/x.json' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(403);
    // No body, no code: the SDK can only name it from the status (S3 really does this).
    expect(error.name).toBe('Unknown');
  });

  it('SQS (JSON protocol): AccessDenied 403 via x-amzn-query-error, and no message is queued', async () => {
    denied.add('sqs:SendMessage');
    const QueueUrl = emu.resources.queues.accountFailures;
    const error = await failure(
      sqs(emu, auditorCredentials(emu)).send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      message(
        AUDITOR_ARN,
        'sqs:SendMessage',
        'arn:aws:sqs:eu-west-1:222222222222:org-key-audit-account-failures',
      ),
    );
    expect(emu.messaging.queueMessages(QueueUrl)).toEqual([]);
  });

  it("SQS's raw answer: a coral AccessDeniedException body and the query-compatible code header", async () => {
    denied.add('sqs:SendMessage');
    const response = await fetch(emu.url, {
      method: 'POST',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${emu.auditor.accessKeyId}/20250615/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=00`,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
      },
      body: JSON.stringify({ QueueUrl: emu.resources.queues.accountFailures, MessageBody: 'x' }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-query-error')).toBe('AccessDenied;Sender');
    expect(((await response.json()) as { __type: string }).__type).toBe(
      'com.amazon.coral.service#AccessDeniedException',
    );
  });

  it('SNS: AuthorizationError 403, and nothing is published', async () => {
    denied.add('sns:Publish');
    const error = await failure(
      sns(emu, auditorCredentials(emu)).send(
        new PublishCommand({ TopicArn: emu.resources.digestTopicArn, Message: 'digest' }),
      ),
    );
    // The wire code is AuthorizationError; SNS's model maps it (awsQueryError) to this shape.
    expect(error.name).toBe('AuthorizationErrorException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      message(AUDITOR_ARN, 'sns:Publish', 'arn:aws:sns:eu-west-1:222222222222:org-key-audit-digest'),
    );
    expect(emu.messaging.published()).toEqual([]);
  });

  it("SNS's raw answer: the query protocol's ErrorResponse with code AuthorizationError", async () => {
    denied.add('sns:Publish');
    const response = await fetch(emu.url, {
      method: 'POST',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${emu.auditor.accessKeyId}/20250615/${REGION}/sns/aws4_request, SignedHeaders=host, Signature=00`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `Action=Publish&TopicArn=${encodeURIComponent(emu.resources.digestTopicArn)}&Message=m`,
    });
    expect(response.status).toBe(403);
    const xml = await response.text();
    expect(xml).toContain('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    expect(xml).toContain('<Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>User: ');
  });

  it('IAM: AccessDenied 403, and the key keeps its status', async () => {
    denied.add('iam:UpdateAccessKey');
    denied.add('iam:ListUsers');
    const session = await assumeAuditRole(emu, MEMBER);
    const sessionArn = 'arn:aws:sts::333333333333:assumed-role/OrgKeyAuditRole/org-key-audit-test';
    const key = emu.state.accounts.get(MEMBER)!.users[0]!.keys[0]!;
    const error = await failure(
      iam(emu, session).send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.accessKeyId, Status: 'Inactive' }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      message(sessionArn, 'iam:UpdateAccessKey', 'arn:aws:iam::333333333333:user/alice'),
    );
    expect(key.status).toBe('Active');
    const list = await failure(iam(emu, session).send(new ListUsersCommand({})));
    expect(list.message).toBe(message(sessionArn, 'iam:ListUsers', '*'));
  });

  it('STS: AccessDenied 403, and no session is created', async () => {
    denied.add('sts:AssumeRole');
    const before = emu.state.credentials.size;
    const error = await failure(
      sts(emu, auditorCredentials(emu)).send(
        new AssumeRoleCommand({ RoleArn: MEMBER_ROLE_ARN, RoleSessionName: 'audit' }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(message(AUDITOR_ARN, 'sts:AssumeRole', MEMBER_ROLE_ARN));
    expect(emu.state.credentials.size).toBe(before);
    expect(emu.calls().map((c) => [c.action, c.resource, c.outcome])).toEqual([
      ['sts:AssumeRole', MEMBER_ROLE_ARN, 'denied'],
    ]);
  });

  it('Organizations: AccessDeniedException 400', async () => {
    denied.add('organizations:ListAccounts');
    const error = await failure(
      organizations(emu, auditorCredentials(emu)).send(new ListAccountsCommand({})),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(message(AUDITOR_ARN, 'organizations:ListAccounts', '*'));
  });
});

describe('authorize hook', () => {
  it('lets allowed calls through, and asks with the action, resource, caller and condition context', async () => {
    emu.clock.set(NOW);
    const me = await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(AUDIT);
    expect(asked).toHaveLength(1);
    const [call] = asked;
    expect(call).toMatchObject({
      service: 'sts',
      action: 'sts:GetCallerIdentity',
      resource: '*',
      callerArn: AUDITOR_ARN,
      callerAccountId: AUDIT,
      region: REGION,
    });
    expect(call?.context).toMatchObject({
      'aws:SecureTransport': 'true',
      'aws:PrincipalAccount': AUDIT,
      'aws:PrincipalArn': 'arn:aws:iam::222222222222:role/OrgKeyAuditAuditor',
      'aws:PrincipalType': 'AssumedRole',
      'aws:RequestedRegion': REGION,
      'aws:PrincipalOrgID': emu.state.organizationId,
    });
    // The emulated clock, which ticks on from NOW in real time.
    expect(call?.context['aws:CurrentTime']).toMatch(/^2025-06-15T12:00:0\dZ$/);
    expect(call?.context['aws:EpochTime']).toMatch(/^17499888\d\d$/);
    expect(emu.calls().map((c) => c.outcome)).toEqual(['ok']);
  });

  it('gives a user its user ARN as aws:PrincipalArn and PrincipalType User', async () => {
    const key = emu.state.accounts.get(MEMBER)!.users[0]!.keys[0]!;
    await iam(emu, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }).send(
      new ListUsersCommand({}),
    );
    expect(asked[0]?.context).toMatchObject({
      'aws:PrincipalArn': 'arn:aws:iam::333333333333:user/alice',
      'aws:PrincipalType': 'User',
      'aws:PrincipalAccount': MEMBER,
    });
  });

  it('is asked after the injected faults: a throttled call never reaches it', async () => {
    denied.add('iam:ListUsers');
    const session = await assumeAuditRole(emu, MEMBER);
    asked.length = 0;
    emu.faults.merge({ iamThrottling: { storm: { accounts: [MEMBER], ratePerSecond: 0, burst: 0 } } });
    const error = await failure(iam(emu, session).send(new ListUsersCommand({})));
    expect(error.name).toBe('Throttling');
    expect(asked).toEqual([]);
    expect(emu.calls().map((c) => [c.action, c.outcome])).toEqual([
      ['sts:AssumeRole', 'ok'],
      ['iam:ListUsers', 'fault'],
    ]);
  });

  it('is not asked about requests with unknown credentials', async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };
    const error = await failure(sts(emu, stranger).send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe('InvalidClientTokenId');
    expect(asked).toEqual([]);
  });
});

describe('a missing S3 key, as S3 answers it', () => {
  const get = () =>
    failure(
      s3(emu, auditorCredentials(emu)).send(
        new GetObjectCommand({ Bucket: BUCKET, Key: 'history/none.json' }),
      ),
    );

  it('is NoSuchKey 404 to a caller that may list the bucket', async () => {
    const error = await get();
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
    expect(asked.map((a) => [a.action, a.resource])).toEqual([
      ['s3:GetObject', `arn:aws:s3:::${BUCKET}/history/none.json`],
      ['s3:ListBucket', `arn:aws:s3:::${BUCKET}`],
    ]);
  });

  it('is AccessDenied 403 to a caller that may read objects but not list the bucket', async () => {
    denied.add('s3:ListBucket');
    const error = await get();
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });
});

describe('an authorize hook that throws', () => {
  it("answers 500 and records the call as 'error'", async () => {
    const broken = await startEmulator({
      orgSpec: SPEC,
      authorize: () => {
        throw new Error('policy store unreachable');
      },
    });
    try {
      const error = await failure(
        sts(broken, auditorCredentials(broken)).send(new GetCallerIdentityCommand({})),
      );
      expect(error.$metadata.httpStatusCode).toBe(500);
      expect(broken.calls().map((c) => [c.action, c.outcome])).toEqual([['sts:GetCallerIdentity', 'error']]);
    } finally {
      await broken.stop();
    }
  });
});
