import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, iam, organizations, sts } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const A = '333333333333';
const B = '444444444444';
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: '222222222222', name: 'security' },
    { id: A, name: 'a', users: [{ name: 'ann', keys: [{ ageDays: 1, lastUsedDaysAgo: 0 }] }] },
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
  emu.clock.set(NOW);
  for (const account of emu.state.accounts.values()) account.report = null;
});

describe('IAM throttling (per-account token buckets, on by default)', () => {
  it('is on by default at 10 requests/s with a burst of 20', async () => {
    const { json } = await adminFetch(emu, 'GET', '/_emulator/faults');
    expect(json).toMatchObject({ iamThrottling: { enabled: true, ratePerSecond: 10, burst: 20 } });
  });

  it("answers IAM's Throttling (400, Rate exceeded) once an account's bucket is empty, and counts it", async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', { iamThrottling: { ratePerSecond: 0.001, burst: 2 } });
    const client = iam(emu, await assumeAuditRole(emu, A));
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => client.send(new ListUsersCommand({}))));
    const rejected = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    // Buckets are per account: B still has its burst.
    await expect(
      iam(emu, await assumeAuditRole(emu, B)).send(new ListUsersCommand({})),
    ).resolves.toBeDefined();
    const { json } = await adminFetch(emu, 'GET', '/_emulator/stats');
    expect((json as { calls: unknown[] }).calls).toContainEqual({
      accountId: A,
      service: 'iam',
      action: 'ListUsers',
      count: 4,
      throttled: 2,
    });
  });

  it('a storm throttles only the chosen accounts, with their own buckets', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', {
      iamThrottling: { storm: { accounts: [A], ratePerSecond: 0, burst: 1 } },
    });
    const inStorm = iam(emu, await assumeAuditRole(emu, A), { maxAttempts: 1 });
    const calm = iam(emu, await assumeAuditRole(emu, B), { maxAttempts: 1 });
    await inStorm.send(new ListUsersCommand({}));
    // A's storm bucket held one token and never refills; B keeps the default burst of 20.
    await expect(inStorm.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    for (let i = 0; i < 5; i++) await calm.send(new ListUsersCommand({}));
    const throttled = (account: string) =>
      emu.stats.snapshot().calls.find((c) => c.accountId === account && c.action === 'ListUsers')?.throttled;
    expect(throttled(A)).toBe(1);
    expect(throttled(B)).toBe(0);
  });

  it("is retried by the SDK's standard retry strategy until a token is free", async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', { iamThrottling: { ratePerSecond: 4, burst: 1 } });
    const client = iam(emu, await assumeAuditRole(emu, A), { maxAttempts: 10 });
    await client.send(new ListUsersCommand({}));
    const second = await client.send(new ListUsersCommand({}));
    expect(second.$metadata.attempts).toBeGreaterThanOrEqual(2);
    expect(
      emu.stats.snapshot().calls.find((c) => c.accountId === A && c.action === 'ListUsers')?.throttled,
    ).toBeGreaterThan(0);
  });
});

describe('injected failures', () => {
  it('errorRate 5xx fails only the chosen services and accounts with a 500', async () => {
    emu.faults.merge({ iamThrottling: { enabled: false } });
    const credsA = await assumeAuditRole(emu, A);
    await adminFetch(emu, 'POST', '/_emulator/faults', {
      errorRate: { rate: 1, kind: '5xx', services: ['iam'], accounts: [A] },
    });
    await expect(iam(emu, credsA).send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'ServiceFailureException',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(sts(emu, credsA).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: A,
    });
    await expect(
      iam(emu, await assumeAuditRole(emu, B)).send(new ListUsersCommand({})),
    ).resolves.toBeDefined();
  });

  it('errorRate reset drops the connection', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', {
      errorRate: { rate: 1, kind: 'reset', services: ['sts'] },
    });
    await expect(sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}))).rejects.toThrow();
  });

  it('latencyMs delays every answer (a short client deadline gives up first)', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', { latencyMs: 3000 });
    const call = sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}), {
      abortSignal: AbortSignal.timeout(150),
    });
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reportStuck keeps the credential report INPROGRESS until cleared', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', {
      reportStuck: { accounts: [A] },
      iamThrottling: { enabled: false },
    });
    const client = iam(emu, await assumeAuditRole(emu, A));
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    for (let i = 0; i < 3; i++) {
      expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS');
    }
    await expect(client.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotReadyException',
    });
    await adminFetch(emu, 'POST', '/_emulator/faults', { reportStuck: null });
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
  });

  it('assumeRoleDenied refuses the audit role in the chosen accounts', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', { assumeRoleDenied: { accounts: [A] } });
    await expect(assumeAuditRole(emu, A)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assumeAuditRole(emu, B)).resolves.toBeDefined();
  });

  it('organizationsThrottling answers TooManyRequestsException, which the SDK retries', async () => {
    await adminFetch(emu, 'POST', '/_emulator/faults', { organizationsThrottling: { count: 1 } });
    await expect(
      organizations(emu, auditorCredentials(emu)).send(new ListAccountsCommand({})),
    ).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    await adminFetch(emu, 'POST', '/_emulator/faults', { organizationsThrottling: { count: 1 } });
    const out = await organizations(emu, auditorCredentials(emu), { maxAttempts: 3 }).send(
      new ListAccountsCommand({}),
    );
    expect(out.Accounts).toHaveLength(4);
    expect(out.$metadata.attempts).toBe(2);
  });

  it('passes messaging faults through to the SNS/S3 module and clears them with the rest', async () => {
    const set = await adminFetch(emu, 'POST', '/_emulator/faults', {
      snsPublishFailure: { count: 2 },
      latencyMs: 0,
    });
    expect(set.status).toBe(200);
    expect(emu.messaging.faults.snsPublishFailure).toEqual({ count: 2 });
    await adminFetch(emu, 'DELETE', '/_emulator/faults');
    expect(emu.messaging.faults.snsPublishFailure).toBe(false);
  });

  it('rejects a bad fault with a 400 naming the field', async () => {
    const bad = await adminFetch(emu, 'POST', '/_emulator/faults', { errorRate: { rate: 2 } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/errorRate\.rate/);
  });
});

describe('admin API', () => {
  it('stats count calls per account, service and action, and reset zeroes them', async () => {
    await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    const { json } = await adminFetch(emu, 'GET', '/_emulator/stats');
    expect(json).toEqual({
      calls: [
        { accountId: '222222222222', service: 'sts', action: 'GetCallerIdentity', count: 2, throttled: 0 },
      ],
    });
    await adminFetch(emu, 'POST', '/_emulator/stats/reset');
    expect((await adminFetch(emu, 'GET', '/_emulator/stats')).json).toEqual({ calls: [] });
  });

  it('sets the clock', async () => {
    const { json } = await adminFetch(emu, 'POST', '/_emulator/clock', { now: '2030-01-02T03:04:05Z' });
    expect((json as { now: string }).now.slice(0, 16)).toBe('2030-01-02T03:04');
    expect(emu.clock.now().getUTCFullYear()).toBe(2030);
  });

  it('suspends an account mid-run: its sessions stop working and AssumeRole is refused', async () => {
    const creds = await assumeAuditRole(emu, B);
    const changed = await adminFetch(emu, 'POST', `/_emulator/accounts/${B}/state`, { state: 'SUSPENDED' });
    try {
      expect(changed.json).toEqual({ accountId: B, state: 'SUSPENDED' });
      await expect(iam(emu, creds).send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      await expect(
        sts(emu, auditorCredentials(emu)).send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/OrgKeyAuditRole`, RoleSessionName: 'x1' }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      await adminFetch(emu, 'POST', `/_emulator/accounts/${B}/state`, { state: 'ACTIVE' });
    }
    expect((await adminFetch(emu, 'POST', `/_emulator/accounts/${B}/state`, { state: 'GONE' })).status).toBe(
      400,
    );
  });
});
