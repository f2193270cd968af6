import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  paginateListUsers,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { parseCredentialReport } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { assumeAuditRole, type Credentials, iam } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const HOUR = 3_600_000;

/** One audited account with exact, hand-planted users. */
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: '222222222222', name: 'security' },
    {
      id: '333333333333',
      name: 'payments-prod',
      rootKeys: [{ ageDays: 400, lastUsedDaysAgo: null }],
      users: [
        {
          name: 'alice',
          keys: [
            {
              ageDays: 100,
              lastUsedDaysAgo: 2,
              lastUsedService: 'ec2',
              lastUsedRegion: 'eu-west-1',
              // Pinned times of day (unset, they are drawn from the seed), so the dates below are exact.
              createdTime: '00:01',
              lastUsedTime: '00:01',
            },
          ],
        },
        {
          name: 'bob',
          tags: { team: 'payments', 'org-key-audit:exempt': 'vendor;until=2025-12-31' },
          keys: [
            { ageDays: 10, lastUsedDaysAgo: null, createdTime: '00:01' },
            {
              ageDays: 40,
              lastUsedDaysAgo: 1,
              status: 'Inactive',
              createdTime: '00:01',
              lastUsedTime: '00:01',
            },
          ],
        },
        { name: 'carol', passwordLastUsedDaysAgo: 'never' },
        ...Array.from({ length: 7 }, (_, i) => ({
          name: `svc-${i}`,
          keys: [{ ageDays: 5, lastUsedDaysAgo: 1 }],
        })),
      ],
    },
    {
      id: '444444444444',
      name: 'other',
      users: [{ name: 'zed', keys: [{ ageDays: 1, lastUsedDaysAgo: 0 }] }],
    },
  ],
};

let emu: RunningEmulator;
let creds: Credentials;

beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW, faults: { iamThrottling: { enabled: false } } });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(async () => {
  emu.clock.set(NOW);
  emu.faults.clear();
  emu.faults.merge({ iamThrottling: { enabled: false } });
  const account = emu.state.accounts.get('333333333333');
  if (account !== undefined) account.report = null;
  creds = await assumeAuditRole(emu, '333333333333');
});

describe('IAM listing calls', () => {
  it('ListUsers pages with MaxItems/Marker/IsTruncated, and the SDK paginator walks every page', async () => {
    const client = iam(emu, creds);
    const first = await client.send(new ListUsersCommand({ MaxItems: 4 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(['alice', 'bob', 'carol', 'svc-0']);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(new ListUsersCommand({ MaxItems: 4, Marker: first.Marker }));
    expect(second.Users?.map((u) => u.UserName)).toEqual(['svc-1', 'svc-2', 'svc-3', 'svc-4']);
    const names: string[] = [];
    for await (const page of paginateListUsers({ client, pageSize: 3 }, {})) {
      names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    }
    expect(names).toHaveLength(10);
    expect(names.at(-1)).toBe('svc-6');
    const alice = first.Users?.[0];
    expect(alice?.Arn).toBe('arn:aws:iam::333333333333:user/alice');
    await expect(client.send(new ListUsersCommand({ MaxItems: 5000 }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('ListAccessKeys per user, GetAccessKeyLastUsed with and without use, ListUserTags', async () => {
    const client = iam(emu, creds);
    const keys = await client.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    expect(keys.AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Active', 'Inactive']);
    expect(keys.AccessKeyMetadata?.[0]?.CreateDate?.toISOString()).toBe('2025-06-05T00:01:00.000Z');
    const alice = await client.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    const aliceKey = alice.AccessKeyMetadata?.[0]?.AccessKeyId;
    const used = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: aliceKey }));
    expect(used.UserName).toBe('alice');
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 'ec2', Region: 'eu-west-1' });
    expect(used.AccessKeyLastUsed?.LastUsedDate?.toISOString()).toBe('2025-06-13T00:01:00.000Z');
    const never = await client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.AccessKeyMetadata?.[0]?.AccessKeyId }),
    );
    expect(never.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    const tags = await client.send(new ListUserTagsCommand({ UserName: 'bob' }));
    expect(tags.Tags).toEqual([
      { Key: 'team', Value: 'payments' },
      { Key: 'org-key-audit:exempt', Value: 'vendor;until=2025-12-31' },
    ]);
    await expect(client.send(new ListAccessKeysCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
    // A role must name the user: it has no keys of its own.
    await expect(client.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('GetAccountSummary reports root access keys as AccountAccessKeysPresent', async () => {
    const withRoot = await iam(emu, creds).send(new GetAccountSummaryCommand({}));
    expect(withRoot.SummaryMap?.['AccountAccessKeysPresent']).toBe(1);
    expect(withRoot.SummaryMap?.['Users']).toBe(10);
    const other = await iam(emu, await assumeAuditRole(emu, '444444444444')).send(
      new GetAccountSummaryCommand({}),
    );
    expect(other.SummaryMap?.['AccountAccessKeysPresent']).toBe(0);
  });

  it("isolates accounts: one account's users and keys are invisible from another", async () => {
    const client = iam(emu, await assumeAuditRole(emu, '444444444444'));
    const users = await client.send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toEqual(['zed']);
    await expect(client.send(new ListAccessKeysCommand({ UserName: 'alice' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    const aliceKey = emu.state.accounts.get('333333333333')?.users[0]?.keys[0]?.accessKeyId;
    await expect(
      client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: aliceKey })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('the credential report', () => {
  it('goes ReportNotPresent -> STARTED -> COMPLETE and returns the 22-column CSV the product parses', async () => {
    const client = iam(emu, creds);
    await expect(client.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotPresentException',
      $metadata: { httpStatusCode: 410 },
    });
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const report = await client.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime?.toISOString()).toBe('2025-06-15T12:00:00.000Z');
    const csv = Buffer.from(report.Content ?? new Uint8Array()).toString('utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]?.split(',')).toHaveLength(22);
    expect(lines[0]).toMatch(/^user,arn,user_creation_time,password_enabled,.*,cert_2_last_rotated$/);
    expect(lines[1]).toMatch(
      /^<root_account>,arn:aws:iam::333333333333:root,[^,]+,not_supported,[^,]+,not_supported,not_supported,/,
    );
    const carol = lines.find((l) => l.startsWith('carol,'));
    expect(carol?.split(',')[4]).toBe('no_information');
    expect(carol?.split(',').slice(8, 18)).toEqual([
      'false',
      'N/A',
      'N/A',
      'N/A',
      'N/A',
      'false',
      'N/A',
      'N/A',
      'N/A',
      'N/A',
    ]);
    const alice = lines.find((l) => l.startsWith('alice,'))?.split(',');
    expect(alice?.slice(8, 13)).toEqual([
      'true',
      '2025-03-07T00:01:00+00:00',
      '2025-06-13T00:01:00+00:00',
      'eu-west-1',
      'ec2',
    ]);

    const entries = parseCredentialReport(csv);
    const root = entries.find((e) => e.isRoot);
    expect(root?.keys).toHaveLength(1);
    const bob = entries.find((e) => e.userName === 'bob');
    expect(bob?.keys.map((k) => [k.slot, k.status, k.createdAt.toISOString(), k.lastUsedAt])).toEqual([
      [1, 'Inactive', '2025-05-06T00:01:00.000Z', new Date('2025-06-14T00:01:00Z')],
      [2, 'Active', '2025-06-05T00:01:00.000Z', null],
    ]);
  });

  it('stays INPROGRESS for the configured generation time', async () => {
    emu.faults.merge({ reportGenerationMs: 60_000 });
    const client = iam(emu, creds);
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS');
    await expect(client.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotReadyException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('is a snapshot reused for 4 hours of emulated time, then regenerated', async () => {
    let client = iam(emu, creds);
    await client.send(new GenerateCredentialReportCommand({}));
    const first = await client.send(new GetCredentialReportCommand({}));
    // A change after generation does not show until a new report is made.
    const me = iam(emu, creds);
    const bobKeys = await me.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    await me.send(
      new DeleteAccessKeyCommand({
        UserName: 'bob',
        AccessKeyId: bobKeys.AccessKeyMetadata?.[1]?.AccessKeyId,
      }),
    );
    emu.clock.advance(4 * HOUR - 60_000);
    // Role sessions last an hour: take a new one, as the product does on each run.
    client = iam(emu, await assumeAuditRole(emu, '333333333333'));
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const reused = await client.send(new GetCredentialReportCommand({}));
    expect(reused.GeneratedTime).toEqual(first.GeneratedTime);
    expect(Buffer.from(reused.Content ?? []).toString()).toBe(Buffer.from(first.Content ?? []).toString());
    emu.clock.advance(120_000);
    await expect(client.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportExpiredException',
    });
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    const fresh = await client.send(new GetCredentialReportCommand({}));
    expect(fresh.GeneratedTime?.getTime()).toBeGreaterThan(first.GeneratedTime?.getTime() ?? 0);
    const bob = parseCredentialReport(Buffer.from(fresh.Content ?? [])).find((e) => e.userName === 'bob');
    expect(bob?.keys.map((k) => k.status)).toEqual(['Active']);
  });
});

describe('key rotation by a user with their own key', () => {
  it('GetUser, CreateAccessKey up to two keys (a third is LimitExceeded), UpdateAccessKey, DeleteAccessKey', async () => {
    const spec = {
      accounts: [
        { id: '111111111111', name: 'management' },
        { id: '222222222222', name: 'security' },
      ],
    };
    const local = await startEmulator({ orgSpec: spec, now: NOW });
    try {
      const admin = local.state.accounts.get('111111111111');
      const user = {
        userName: 'dev',
        userId: 'AIDAEXAMPLEEXAMPLE01',
        createdAt: NOW.getTime(),
        passwordLastUsedAt: null,
        keys: [],
        tags: [],
      };
      admin?.users.push(user);
      // Bootstrap the first key through the in-process state, then rotate through the API.
      const bootstrap = {
        accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
        secretAccessKey: 'x'.repeat(40),
        status: 'Active' as const,
        createdAt: NOW.getTime() - 100 * 86_400_000,
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
      };
      (user.keys as (typeof bootstrap)[]).push(bootstrap);
      local.state.credentials.set(bootstrap.accessKeyId, {
        accessKeyId: bootstrap.accessKeyId,
        secretAccessKey: bootstrap.secretAccessKey,
        principal: { kind: 'user', accountId: '111111111111', userName: 'dev' },
      });
      const client = iam(local, {
        accessKeyId: bootstrap.accessKeyId,
        secretAccessKey: bootstrap.secretAccessKey,
      });
      const me = await client.send(new GetUserCommand({}));
      expect(me.User?.Arn).toBe('arn:aws:iam::111111111111:user/dev');
      // Signing with the key records its use, as AWS does.
      expect(bootstrap.lastUsedAt).not.toBeNull();
      expect(bootstrap.lastUsedService).toBe('iam');

      const created = await client.send(new CreateAccessKeyCommand({}));
      expect(created.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(created.AccessKey?.SecretAccessKey).toHaveLength(40);
      await expect(client.send(new CreateAccessKeyCommand({}))).rejects.toMatchObject({
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 409 },
      });
      const fresh = iam(local, {
        accessKeyId: created.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
      });
      await fresh.send(
        new UpdateAccessKeyCommand({ AccessKeyId: bootstrap.accessKeyId, Status: 'Inactive' }),
      );
      const listed = await fresh.send(new ListAccessKeysCommand({}));
      expect(listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([
        [bootstrap.accessKeyId, 'Inactive'],
        [created.AccessKey?.AccessKeyId, 'Active'],
      ]);
      await fresh.send(new DeleteAccessKeyCommand({ AccessKeyId: bootstrap.accessKeyId }));
      expect((await fresh.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(1);
      // The deleted key no longer authenticates.
      await expect(client.send(new GetUserCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      await expect(
        fresh.send(new DeleteAccessKeyCommand({ AccessKeyId: 'AKIANOTAKEY000000000' })),
      ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    } finally {
      await local.stop();
    }
  });
});
