/**
 * Every injected fault is counted (stats.faults(): by fault, kind, account, service and action),
 * and `failFirst` fails exactly the first N requests of an account: the two things the
 * reliability suite needs to prove that a planned fault fired, and how often.
 */
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, iam, organizations, sns, sts } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const AUDIT = '222222222222';
const A = '333333333333';
const B = '444444444444';
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: A, name: 'a', users: [{ name: 'ann' }] },
    { id: B, name: 'b', users: [{ name: 'ben' }] },
  ],
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(async () => {
  await adminFetch(emu, 'DELETE', '/_emulator/faults');
  await adminFetch(emu, 'POST', '/_emulator/stats/reset');
  for (const account of emu.state.accounts.values()) account.report = null;
});

async function setFaults(patch: unknown): Promise<void> {
  const answer = await adminFetch(emu, 'POST', '/_emulator/faults', patch);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
}

describe('failFirst: the first N requests of an account fail, then none', () => {
  it('5xx: exactly `count` ServiceFailure answers per listed account, counted by action', async () => {
    await setFaults({
      iamThrottling: { enabled: false },
      failFirst: [{ accounts: [A], services: ['iam'], count: 2, kind: '5xx' }],
    });
    const a = iam(emu, await assumeAuditRole(emu, A));
    for (let i = 0; i < 2; i++) {
      await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'ServiceFailureException',
        $metadata: { httpStatusCode: 500 },
      });
    }
    await expect(a.send(new ListUsersCommand({}))).resolves.toBeDefined();
    // Another account's requests are not in the rule; STS is not in its services.
    await expect(
      iam(emu, await assumeAuditRole(emu, B)).send(new ListUsersCommand({})),
    ).resolves.toBeDefined();
    expect(emu.stats.faults()).toEqual([
      { fault: 'failFirst', kind: '5xx', accountId: A, service: 'iam', action: 'ListUsers', count: 2 },
    ]);
  });

  it("throttling answers IAM's Throttling, which the SDK retries: attempts = count + 1", async () => {
    await setFaults({ failFirst: [{ accounts: [A], count: 1, kind: 'throttling' }] });
    const out = await iam(emu, await assumeAuditRole(emu, A), { maxAttempts: 2 }).send(
      new ListUsersCommand({}),
    );
    expect(out.$metadata.attempts).toBe(2);
    expect(emu.stats.faultCount({ fault: 'failFirst', kind: 'throttling', accountId: A })).toBe(1);
    expect(emu.stats.snapshot().calls).toContainEqual({
      accountId: A,
      service: 'iam',
      action: 'ListUsers',
      count: 2,
      throttled: 1,
    });
  });

  it('a throttling rule answers before the token bucket and spends no token', async () => {
    await setFaults({
      iamThrottling: { ratePerSecond: 0.001, burst: 1 },
      failFirst: [{ accounts: [A], count: 1, kind: 'throttling' }],
    });
    const a = iam(emu, await assumeAuditRole(emu, A));
    await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    await expect(a.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    expect(emu.stats.faultCount({ fault: 'failFirst' })).toBe(1);
    expect(emu.stats.faultCount({ fault: 'iamThrottling', kind: 'throttling', action: 'ListUsers' })).toBe(1);
  });

  it('reset drops the connection of the first N requests; the SDK retries it', async () => {
    await setFaults({ failFirst: [{ accounts: [AUDIT], services: ['sts'], count: 1, kind: 'reset' }] });
    const out = await sts(emu, auditorCredentials(emu), { maxAttempts: 2 }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(out.$metadata.attempts).toBe(2);
    expect(emu.stats.faults()).toEqual([
      {
        fault: 'failFirst',
        kind: 'reset',
        accountId: AUDIT,
        service: 'sts',
        action: 'GetCallerIdentity',
        count: 1,
      },
    ]);
  });

  it('rules count separately, and setting failFirst again starts the counts over', async () => {
    const rules = [
      { accounts: [A], services: ['iam'], count: 1 },
      { accounts: [A], services: ['iam'], count: 1 },
    ];
    await setFaults({ iamThrottling: { enabled: false }, failFirst: rules });
    const a = iam(emu, await assumeAuditRole(emu, A));
    await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'ServiceFailureException' });
    await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'ServiceFailureException' });
    await expect(a.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await setFaults({ failFirst: rules.slice(0, 1) });
    await expect(a.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'ServiceFailureException' });
    expect(emu.stats.faultCount({ fault: 'failFirst', kind: '5xx', accountId: A })).toBe(3);
  });

  it('actions narrows a rule to those operations of the service', async () => {
    await setFaults({
      iamThrottling: { enabled: false },
      failFirst: [{ accounts: [A], actions: ['GetAccountSummary'], count: 1 }],
    });
    const a = iam(emu, await assumeAuditRole(emu, A));
    await expect(a.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await expect(a.send(new GetAccountSummaryCommand({}))).rejects.toMatchObject({
      name: 'ServiceFailureException',
    });
    await expect(a.send(new GetAccountSummaryCommand({}))).resolves.toBeDefined();
    expect(emu.stats.faults()).toEqual([
      {
        fault: 'failFirst',
        kind: '5xx',
        accountId: A,
        service: 'iam',
        action: 'GetAccountSummary',
        count: 1,
      },
    ]);
  });

  it('refuses a throttling rule for a service other than IAM, naming the field', async () => {
    const bad = await adminFetch(emu, 'POST', '/_emulator/faults', {
      failFirst: [{ accounts: [A], services: ['sts'], count: 1, kind: 'throttling' }],
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/failFirst\.0\.services/);
  });
});

describe('every injected fault is counted where it fires', () => {
  it('errorRate: one count per failed request, and none for requests outside its filters', async () => {
    await setFaults({
      iamThrottling: { enabled: false },
      errorRate: { rate: 1, kind: '5xx', services: ['iam'], accounts: [A] },
    });
    const a = iam(emu, await assumeAuditRole(emu, A));
    for (let i = 0; i < 3; i++) await expect(a.send(new ListUsersCommand({}))).rejects.toBeDefined();
    await iam(emu, await assumeAuditRole(emu, B)).send(new ListUsersCommand({}));
    expect(emu.stats.faults()).toEqual([
      { fault: 'errorRate', kind: '5xx', accountId: A, service: 'iam', action: 'ListUsers', count: 3 },
    ]);
  });

  it("iamThrottling: one count per request the account's bucket refused", async () => {
    await setFaults({ iamThrottling: { ratePerSecond: 0.001, burst: 2 } });
    const a = iam(emu, await assumeAuditRole(emu, A));
    await Promise.allSettled([1, 2, 3, 4, 5].map(() => a.send(new ListUsersCommand({}))));
    expect(emu.stats.faults()).toEqual([
      {
        fault: 'iamThrottling',
        kind: 'throttling',
        accountId: A,
        service: 'iam',
        action: 'ListUsers',
        count: 3,
      },
    ]);
  });

  it('reportStuck: each INPROGRESS answer the fault caused, GenerateCredentialReport and GetCredentialReport', async () => {
    await setFaults({ reportStuck: { accounts: [A] }, iamThrottling: { enabled: false } });
    const a = iam(emu, await assumeAuditRole(emu, A));
    // The first call starts a report: that answer is the real one, not the fault's.
    expect((await a.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    for (let i = 0; i < 3; i++) await a.send(new GenerateCredentialReportCommand({}));
    await expect(a.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotReadyException',
    });
    const stuck = (action: string) => emu.stats.faultCount({ fault: 'reportStuck', accountId: A, action });
    expect(stuck('GenerateCredentialReport')).toBe(3);
    expect(stuck('GetCredentialReport')).toBe(1);
    expect(emu.stats.faultCount({ kind: 'reportInProgress' })).toBe(4);
  });

  it("assumeRoleDenied: counted on the refused role's account; a refusal by trust is no fault", async () => {
    await setFaults({ assumeRoleDenied: { accounts: [A] } });
    await expect(assumeAuditRole(emu, A)).rejects.toMatchObject({ name: 'AccessDenied' });
    // Not the audit role's trusted principal: refused by the trust policy, as AWS would.
    const account = emu.state.accounts.get(B);
    const role = account?.roles.get(emu.roleName);
    if (account === undefined || role === undefined) throw new Error('no audit role in B');
    account.roles.set(role.roleName, { ...role, trustedPrincipals: [] });
    try {
      await expect(
        sts(emu, auditorCredentials(emu)).send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/${emu.roleName}`, RoleSessionName: 'x1' }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      account.roles.set(role.roleName, role);
    }
    expect(emu.stats.faults()).toEqual([
      {
        fault: 'assumeRoleDenied',
        kind: 'accessDenied',
        accountId: A,
        service: 'sts',
        action: 'AssumeRole',
        count: 1,
      },
    ]);
  });

  it("organizationsThrottling: each TooManyRequestsException, on the caller's account", async () => {
    await setFaults({ organizationsThrottling: { count: 2 } });
    const out = await organizations(emu, auditorCredentials(emu), { maxAttempts: 3 }).send(
      new ListAccountsCommand({}),
    );
    expect(out.$metadata.attempts).toBe(3);
    expect(emu.stats.faults()).toEqual([
      {
        fault: 'organizationsThrottling',
        kind: 'throttling',
        accountId: AUDIT,
        service: 'organizations',
        action: 'ListAccounts',
        count: 2,
      },
    ]);
  });

  it('snsPublishFailure and s3WriteFailure: each refused Publish and PutObject', async () => {
    await setFaults({ snsPublishFailure: { count: 2 }, s3WriteFailure: { count: 1 } });
    const topic = sns(emu, auditorCredentials(emu));
    for (let i = 0; i < 3; i++) {
      await topic
        .send(new PublishCommand({ TopicArn: emu.resources.digestTopicArn, Message: 'hello' }))
        .catch(() => undefined);
    }
    const bucket = new S3Client({
      region: emu.region,
      endpoint: emu.url,
      credentials: auditorCredentials(emu),
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await expect(
      bucket.send(new PutObjectCommand({ Bucket: emu.resources.reportBucket, Key: 'k', Body: 'v' })),
    ).rejects.toMatchObject({ name: 'InternalError' });
    await bucket.send(new PutObjectCommand({ Bucket: emu.resources.reportBucket, Key: 'k', Body: 'v' }));
    expect(emu.stats.faults().sort((x, y) => x.service.localeCompare(y.service))).toEqual([
      {
        fault: 's3WriteFailure',
        kind: '5xx',
        accountId: AUDIT,
        service: 's3',
        action: 'PutObject',
        count: 1,
      },
      {
        fault: 'snsPublishFailure',
        kind: '5xx',
        accountId: AUDIT,
        service: 'sns',
        action: 'Publish',
        count: 2,
      },
    ]);
  });

  it('names the action of the request that failed, also when requests overlap behind a latency', async () => {
    await setFaults({
      latencyMs: 40,
      iamThrottling: { enabled: false },
      failFirst: [{ accounts: [A], services: ['iam'], count: 1 }],
    });
    const a = iam(emu, await assumeAuditRole(emu, A));
    const [users, summary] = await Promise.allSettled([
      a.send(new ListUsersCommand({})),
      a.send(new GetAccountSummaryCommand({})),
    ]);
    const failed = users.status === 'rejected' ? 'ListUsers' : 'GetAccountSummary';
    expect([users.status, summary.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(emu.stats.faults()).toEqual([
      { fault: 'failFirst', kind: '5xx', accountId: A, service: 'iam', action: failed, count: 1 },
    ]);
  });

  it('stats reset zeroes the fault counts with the call counts', async () => {
    await setFaults({ errorRate: { rate: 1, kind: '5xx', services: ['sts'] } });
    await expect(
      sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({})),
    ).rejects.toBeDefined();
    expect(emu.stats.faultCount()).toBe(1);
    await adminFetch(emu, 'POST', '/_emulator/stats/reset');
    expect(emu.stats.faults()).toEqual([]);
  });
});
