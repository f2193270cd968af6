/**
 * The admin routes that change an account's keys and take its credential-report snapshot: a
 * change after the snapshot shows in the live IAM calls, not in the report IAM keeps serving.
 */
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, iam } from './helpers';

const TEAM = '333333333333';
const SPEC = {
  now: '2025-06-15T12:00:00Z',
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: '222222222222', name: 'security' },
    {
      id: TEAM,
      name: 'team',
      rootKeys: [{ ageDays: 300 }],
      users: [
        { name: 'alice', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        { name: 'bob', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      ],
    },
  ],
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, faults: { iamThrottling: { enabled: false } } });
});
afterAll(async () => {
  await emu.stop();
});

const admin = (path: string, method: string, body?: unknown) =>
  emu.admin(`/_emulator/accounts/${TEAM}/${path}`, method, body);

describe('admin key changes after the credential-report snapshot', () => {
  it('creates, deactivates and deletes keys live while the snapshot still shows the old ones', async () => {
    const account = emu.state.accounts.get(TEAM);
    const alice = account?.users[0]?.keys[0]?.accessKeyId ?? '';
    const bob = account?.users[1]?.keys[0]?.accessKeyId ?? '';
    const root = account?.rootKeys[0]?.accessKeyId ?? '';

    const snapshot = admin('credential-report', 'POST');
    expect(snapshot).toMatchObject({ status: 200, body: { accountId: TEAM } });
    emu.clock.advance(2 * 3_600_000);

    expect(admin(`access-keys/${alice}`, 'DELETE')).toMatchObject({
      status: 200,
      body: { userName: 'alice', accessKeyId: alice, deleted: true },
    });
    expect(admin(`access-keys/${bob}`, 'POST', { status: 'Inactive' })).toMatchObject({
      status: 200,
      body: { userName: 'bob', status: 'Inactive' },
    });
    const created = admin('access-keys', 'POST', { userName: 'bob' });
    expect(created).toMatchObject({ status: 200, body: { userName: 'bob', status: 'Active' } });
    const createdId = (created.body as { accessKeyId: string }).accessKeyId;
    expect(createdId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect((created.body as { createdAt: string }).createdAt).toBe(
      new Date(Math.floor(emu.clock.nowMs() / 1000) * 1000).toISOString(),
    );
    expect(admin(`access-keys/${root}`, 'DELETE')).toMatchObject({
      status: 200,
      body: { userName: '<root_account>' },
    });

    // A session taken now: the one-hour sessions of two hours ago have expired.
    const client = iam(emu, await assumeAuditRole(emu, TEAM));
    // The snapshot is served unchanged for four hours: alice's deleted key and bob's old status.
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const report = await client.send(new GetCredentialReportCommand({}));
    expect(report.GeneratedTime?.toISOString()).toBe(
      new Date(Date.parse((snapshot.body as { generatedAt: string }).generatedAt))
        .toISOString()
        .replace(/\.\d{3}Z$/, '.000Z'),
    );
    const csv = Buffer.from(report.Content ?? new Uint8Array())
      .toString('utf8')
      .split('\n');
    expect(csv.find((l) => l.startsWith('alice,'))?.split(',')[8]).toBe('true');
    expect(csv.find((l) => l.startsWith('bob,'))?.split(',')[8]).toBe('true');
    expect(csv.find((l) => l.startsWith('bob,'))?.split(',')[13]).toBe('false');
    expect(csv.find((l) => l.startsWith('<root_account>,'))?.split(',')[8]).toBe('true');

    // The live calls see every change.
    const aliceKeys = await client.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(aliceKeys.AccessKeyMetadata).toEqual([]);
    const bobKeys = await client.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    expect(bobKeys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([
      [bob, 'Inactive'],
      [createdId, 'Active'],
    ]);
    const summary = await client.send(new GetAccountSummaryCommand({}));
    expect(summary.SummaryMap?.['AccountAccessKeysPresent']).toBe(0);
    // A deleted key no longer signs anything.
    expect(emu.state.credentials.has(alice)).toBe(false);
  });

  it('answers 404 for an unknown account, user or key, 409 past two keys, 400 for a bad body', async () => {
    expect(emu.admin('/_emulator/accounts/999999999999/credential-report', 'POST').status).toBe(404);
    expect(admin('access-keys', 'POST', { userName: 'nobody' }).status).toBe(404);
    expect(admin('access-keys/AKIAAAAAAAAAAAAAAAAA', 'DELETE').status).toBe(404);
    expect(admin('access-keys', 'POST', { userName: 'bob' }).status).toBe(409);
    expect(admin('access-keys', 'POST', {}).status).toBe(400);
    const bob = emu.state.accounts.get(TEAM)?.users[1]?.keys[0]?.accessKeyId ?? '';
    expect(admin(`access-keys/${bob}`, 'POST', { status: 'Deleted' }).status).toBe(400);
    // Over HTTP too, with the same answers.
    const answer = await adminFetch(emu, 'POST', `/_emulator/accounts/${TEAM}/credential-report`);
    expect(answer.status).toBe(200);
  });
});

describe('a user that appears with old keys', () => {
  it('is listed live with its tags and a key created ageDays before now, and refused twice', async () => {
    const created = admin('users', 'POST', {
      userName: 'legacy-deploy',
      tags: { owner: 'web' },
      keys: [{ ageDays: 400 }],
    });
    expect(created.status).toBe(200);
    const [keyId] = (created.body as { accessKeyIds: string[] }).accessKeyIds;
    const client = iam(emu, await assumeAuditRole(emu, TEAM));
    const keys = await client.send(new ListAccessKeysCommand({ UserName: 'legacy-deploy' }));
    expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([[keyId, 'Active']]);
    // 400 whole days before the emulator's now, to the second.
    const createdAt = keys.AccessKeyMetadata?.[0]?.CreateDate?.getTime() ?? 0;
    expect(Math.abs(emu.clock.nowMs() - 400 * 86_400_000 - createdAt)).toBeLessThan(5_000);
    const tags = await client.send(new ListUserTagsCommand({ UserName: 'legacy-deploy' }));
    expect(tags.Tags).toEqual([{ Key: 'owner', Value: 'web' }]);

    expect(admin('users', 'POST', { userName: 'legacy-deploy', keys: [] }).status).toBe(409);
    expect(admin('users', 'POST', { userName: 'two many', keys: [] }).status).toBe(409);
    expect(
      admin('users', 'POST', { userName: 'three', keys: [{ ageDays: 1 }, { ageDays: 2 }, { ageDays: 3 }] })
        .status,
    ).toBe(409);
  });
});
