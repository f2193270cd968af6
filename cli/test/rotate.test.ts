/**
 * `keyaudit rotate` end to end against the emulator (real SDK clients over HTTP on 127.0.0.1),
 * plus a failure injected at each step; after every run the file must hold a key that works.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { register } from '../src/commands/rotate';
import { readProfile } from '../src/ops/credentials-file';
import { OperationError } from '../src/ops/errors';
import { type RotateDeps, rotateAccessKey, type StaticCredentials } from '../src/ops/rotate';
import { testContext } from './helpers/ops-context';

const ACCOUNT = '333333333333';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    orgSpec: {
      now: '2025-06-15T12:00:00Z',
      accounts: [
        { id: '111111111111', name: 'management' },
        { id: '222222222222', name: 'security' },
        {
          id: ACCOUNT,
          name: 'payments',
          users: [
            { name: 'alice', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
            { name: 'bob', keys: [{ ageDays: 200 }, { ageDays: 10, status: 'Inactive' }] },
          ],
        },
      ],
    },
    faults: { iamThrottling: { enabled: false } },
  });
});

afterAll(async () => {
  await emu?.stop();
});

type Step = 'CreateAccessKeyCommand' | 'UpdateAccessKeyCommand' | 'DeleteAccessKeyCommand';

/** Clients on the emulator; `failIam` makes that IAM command fail, `newKeyNeverWorks` blocks STS for new keys. */
function clientsFor(
  fault: { failIam?: Step; newKeyNeverWorks?: string } = {},
): RotateDeps['clientsFor'] & { created: StaticCredentials[] } {
  const created: StaticCredentials[] = [];
  const make = (credentials: StaticCredentials) => {
    created.push(credentials);
    const config = { region: emu.region, endpoint: emu.url, credentials, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const sts = new STSClient(config);
    iam.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === fault.failIam) {
          throw Object.assign(new Error(`injected ${fault.failIam} failure`), { name: 'ServiceFailure' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'inject-iam-fault' },
    );
    sts.middlewareStack.add(
      (next) => async (args) => {
        if (fault.newKeyNeverWorks !== undefined && credentials.accessKeyId !== fault.newKeyNeverWorks) {
          throw Object.assign(new Error('The security token included in the request is invalid.'), {
            name: 'InvalidClientTokenId',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'inject-sts-fault' },
    );
    return { iam, sts };
  };
  return Object.assign(make, { created });
}

function userKeys(userName: string) {
  const user = emu.state.accounts.get(ACCOUNT)?.users.find((u) => u.userName === userName);
  if (user === undefined) throw new Error(`planted user ${userName} missing`);
  return user.keys;
}

const OTHER_PROFILES = [
  '# laptop',
  '[default]',
  'aws_access_key_id = AKIAOTHERPROFILE0001',
  'aws_secret_access_key = x ; mine',
  '',
];
const AFTER = ['', '[zeta]', 'region = eu-west-1', ''];

async function credentialsFileFor(userName: string): Promise<{ path: string; before: string }> {
  const key = userKeys(userName)[0]!;
  const text = [
    ...OTHER_PROFILES,
    `[${userName}]`,
    `aws_access_key_id = ${key.accessKeyId}`,
    `aws_secret_access_key = ${key.secretAccessKey}`,
    ...AFTER,
  ].join('\n');
  const path = join(await mkdtemp(join(tmpdir(), 'keyaudit-rotate-')), 'credentials');
  await writeFile(path, text, { mode: 0o644 });
  return { path, before: text };
}

/** Whether the profile's key works right now, asked with a plain client. */
async function profileWorks(path: string, profile: string): Promise<string | undefined> {
  const p = readProfile(await readFile(path, 'utf8'), profile);
  const sts = new STSClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: {
      accessKeyId: p?.['aws_access_key_id'] ?? '',
      secretAccessKey: p?.['aws_secret_access_key'] ?? '',
    },
  });
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
}

const noSleep = async () => undefined;
const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

describe('keyaudit rotate against the emulator', () => {
  let originalAliceKey: string;
  beforeEach(() => {
    originalAliceKey = userKeys('alice')[0]!.accessKeyId;
  });

  it('rotates: new key in the file and working, old key gone, other profiles byte for byte, mode 0600', async () => {
    const { path, before } = await credentialsFileFor('alice');
    const t = testContext();
    const program = new Command().exitOverride();
    register(program, () => t.ctx, clientsFor());

    await program.parseAsync([
      'node',
      'keyaudit',
      'rotate',
      '--profile',
      'alice',
      '--credentials-file',
      path,
    ]);

    expect(t.exitCodes).toEqual([0]);
    const after = await readFile(path, 'utf8');
    const newId = readProfile(after, 'alice')?.['aws_access_key_id'];
    expect(newId).toMatch(/^AKIA/);
    expect(newId).not.toBe(originalAliceKey);
    expect(userKeys('alice').map((k) => [k.accessKeyId, k.status])).toEqual([[newId, 'Active']]);
    expect(await profileWorks(path, 'alice')).toBe(ALICE_ARN);
    expect(after.startsWith(OTHER_PROFILES.join('\n'))).toBe(true);
    expect(after.endsWith(AFTER.join('\n'))).toBe(true);
    expect(after.length - before.length).toBe(0); // ids and secrets keep their lengths
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    // The secret is never printed without --show-secret.
    const secret = readProfile(after, 'alice')?.['aws_secret_access_key'] ?? '';
    expect([...t.stdout, ...t.stderr].join('\n')).not.toContain(secret);
    expect(t.stdout.join('\n')).toContain(`${originalAliceKey}  deleted`);
  });

  it('--keep-old stops after deactivating; --show-secret prints the secret', async () => {
    const { path } = await credentialsFileFor('alice');
    const t = testContext();
    const program = new Command().exitOverride();
    register(program, () => t.ctx, clientsFor());
    await program.parseAsync([
      'node',
      'keyaudit',
      'rotate',
      '--profile',
      'alice',
      '--credentials-file',
      path,
      '--keep-old',
      '--show-secret',
      '--json',
    ]);
    const result = JSON.parse(t.stdout[0] ?? '');
    expect(result.oldKeyState).toBe('inactive');
    expect(userKeys('alice').map((k) => [k.accessKeyId, k.status])).toEqual([
      [originalAliceKey, 'Inactive'],
      [result.newAccessKeyId, 'Active'],
    ]);
    expect(result.newSecretAccessKey).toBe(
      readProfile(await readFile(path, 'utf8'), 'alice')?.['aws_secret_access_key'],
    );
    // Back to one key for the next test, as a person would: delete the kept one.
    await new IAMClient({
      region: emu.region,
      endpoint: emu.url,
      credentials: { accessKeyId: result.newAccessKeyId, secretAccessKey: result.newSecretAccessKey },
    }).send(new DeleteAccessKeyCommand({ AccessKeyId: originalAliceKey }));
  });

  it('refuses a user at two keys and names the other key to delete first', async () => {
    const { path, before } = await credentialsFileFor('bob');
    const other = userKeys('bob')[1]!.accessKeyId;
    const attempt = rotateAccessKey(
      { clientsFor: clientsFor(), sleep: noSleep },
      { credentialsPath: path, profile: 'bob', keepOld: false },
    );
    await expect(attempt).rejects.toThrow(
      new RegExp(`already has two access keys.*${other} \\(Inactive, created`),
    );
    await expect(attempt).rejects.toMatchObject({ fix: expect.stringContaining(`--access-key-id ${other}`) });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(userKeys('bob')).toHaveLength(2);
  });

  it('create fails: nothing changes and the old key still works', async () => {
    const { path, before } = await credentialsFileFor('alice');
    const attempt = rotateAccessKey(
      { clientsFor: clientsFor({ failIam: 'CreateAccessKeyCommand' }), sleep: noSleep },
      { credentialsPath: path, profile: 'alice', keepOld: false },
    );
    await expect(attempt).rejects.toThrow(
      /Creating a new access key failed.*Nothing changed: profile \[alice\] still holds/,
    );
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(userKeys('alice').map((k) => k.accessKeyId)).toEqual([originalAliceKey]);
    expect(await profileWorks(path, 'alice')).toBe(ALICE_ARN);
  });

  it('verification never succeeds: the old key goes back into the file and the new key is deleted', async () => {
    const { path, before } = await credentialsFileFor('alice');
    const sleeps: number[] = [];
    const attempt = rotateAccessKey(
      {
        clientsFor: clientsFor({ newKeyNeverWorks: originalAliceKey }),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
      {
        credentialsPath: path,
        profile: 'alice',
        keepOld: false,
        verify: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
      },
    );
    await expect(attempt).rejects.toThrow(
      /did not work after 4 attempt\(s\).*profile \[alice\] holds AKIA\w+ again, which is Active; the new key AKIA\w+ was deleted/,
    );
    expect(sleeps).toHaveLength(3);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(userKeys('alice').map((k) => [k.accessKeyId, k.status])).toEqual([[originalAliceKey, 'Active']]);
    expect(await profileWorks(path, 'alice')).toBe(ALICE_ARN);
  });

  it('deactivate fails: the new key is in the file and works, the old one is still Active, exit 2', async () => {
    const { path } = await credentialsFileFor('alice');
    const attempt = rotateAccessKey(
      { clientsFor: clientsFor({ failIam: 'UpdateAccessKeyCommand' }), sleep: noSleep },
      { credentialsPath: path, profile: 'alice', keepOld: false },
    );
    await expect(attempt).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        new RegExp(`Deactivating the old key failed.*${originalAliceKey} is still Active`),
      ),
    });
    const newId = readProfile(await readFile(path, 'utf8'), 'alice')?.['aws_access_key_id'];
    expect(await profileWorks(path, 'alice')).toBe(ALICE_ARN);
    expect(userKeys('alice').map((k) => [k.accessKeyId, k.status])).toEqual([
      [originalAliceKey, 'Active'],
      [newId, 'Active'],
    ]);
    await cleanUpOld(path, originalAliceKey);
  });

  it('delete fails: the new key works, the old one is Inactive and named in the fix, exit 2', async () => {
    const { path } = await credentialsFileFor('alice');
    const t = testContext();
    const program = new Command().exitOverride();
    register(program, () => t.ctx, clientsFor({ failIam: 'DeleteAccessKeyCommand' }));
    await program.parseAsync([
      'node',
      'keyaudit',
      'rotate',
      '--profile',
      'alice',
      '--credentials-file',
      path,
    ]);
    expect(t.exitCodes).toEqual([2]);
    expect(t.stderr.at(-1)).toContain(`${originalAliceKey} is Inactive but still exists`);
    expect(t.stderr.at(-1)).toContain(
      `aws iam delete-access-key --user-name alice --access-key-id ${originalAliceKey}`,
    );
    expect(await profileWorks(path, 'alice')).toBe(ALICE_ARN);
    expect(userKeys('alice').find((k) => k.accessKeyId === originalAliceKey)?.status).toBe('Inactive');
    await cleanUpOld(path, originalAliceKey);
  });

  it('refuses a profile without a key, naming it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'keyaudit-rotate-')), 'credentials');
    await writeFile(path, '[alice]\nregion = eu-west-1\n');
    const attempt = rotateAccessKey(
      { clientsFor: clientsFor(), sleep: noSleep },
      { credentialsPath: path, profile: 'alice', keepOld: false },
    );
    await expect(attempt).rejects.toBeInstanceOf(OperationError);
    await expect(attempt).rejects.toThrow(/profile \[alice\] in .* has no aws_access_key_id/);
  });
});

/** Deletes the old key with the file's (new) key, so each test starts from one key. */
async function cleanUpOld(path: string, oldId: string): Promise<void> {
  const p = readProfile(await readFile(path, 'utf8'), 'alice');
  const iam = new IAMClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: {
      accessKeyId: p?.['aws_access_key_id'] ?? '',
      secretAccessKey: p?.['aws_secret_access_key'] ?? '',
    },
  });
  await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: oldId }));
  const left = await iam.send(new ListAccessKeysCommand({}));
  expect(left.AccessKeyMetadata).toHaveLength(1);
}
