/**
 * `roleCredentials(roleName, sessionName)`: sessions of audit-account roles, so each Lambda of
 * a local run calls the emulator as its own role; `auditorRoleName`: which of them the member
 * accounts' audit roles trust.
 */
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { generateOrganization, type RunningEmulator, startEmulator } from '../src/index';
import { auditorCredentials, type Credentials, iam, sts } from './helpers';

const AUDIT = '222222222222';
const MEMBER = '333333333333';
const SPEC = {
  now: '2025-06-15T12:00:00Z',
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: MEMBER, name: 'payments', users: [{ name: 'alice', keys: [{ ageDays: 10 }] }] },
  ],
};
const MEMBER_ROLE_ARN = 'arn:aws:iam::333333333333:role/OrgKeyAuditRole';

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

const assume = (running: RunningEmulator, credentials: Credentials, sessionName = 'audit-333333333333') =>
  sts(running, credentials).send(
    new AssumeRoleCommand({ RoleArn: MEMBER_ROLE_ARN, RoleSessionName: sessionName }),
  );

describe('roleCredentials', () => {
  it('returns a non-expiring session of the role in the audit account, which needs its token', async () => {
    emu = await startEmulator({ orgSpec: SPEC });
    const credentials = emu.roleCredentials('OrgKeyAuditCollector', 'collector');
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.secretAccessKey).toHaveLength(40);
    expect(credentials.sessionToken.length).toBeGreaterThan(0);

    const me = await sts(emu, credentials).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(AUDIT);
    expect(me.Arn).toBe('arn:aws:sts::222222222222:assumed-role/OrgKeyAuditCollector/collector');
    expect(me.UserId).toMatch(/^AROA[A-Z2-7]{16}:collector$/);
    expect(emu.state.credentials.get(credentials.accessKeyId)?.principal).toEqual({
      kind: 'role',
      accountId: AUDIT,
      roleName: 'OrgKeyAuditCollector',
      sessionName: 'collector',
      expiresAt: null,
      sessionToken: credentials.sessionToken,
    });

    await expect(
      sts(emu, { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    // No expiry: a day of emulated time later it still works.
    emu.clock.advance(86_400_000);
    await expect(sts(emu, credentials).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: AUDIT,
    });
  });

  it('is idempotent per (role, session) and distinct otherwise', async () => {
    emu = await startEmulator({ orgSpec: SPEC });
    const first = emu.roleCredentials('OrgKeyAuditCollector', 'collector');
    expect(emu.roleCredentials('OrgKeyAuditCollector', 'collector')).toEqual(first);
    const other = emu.roleCredentials('OrgKeyAuditCollector', 'collector-2');
    const digest = emu.roleCredentials('OrgKeyAuditDigest', 'collector');
    expect(new Set([first.accessKeyId, other.accessKeyId, digest.accessKeyId]).size).toBe(3);
  });

  it('rejects names IAM and STS would refuse', async () => {
    emu = await startEmulator({ orgSpec: SPEC });
    expect(() => emu?.roleCredentials('has space', 'collector')).toThrow(RangeError);
    expect(() => emu?.roleCredentials('OrgKeyAuditCollector', 'x')).toThrow(RangeError);
  });

  it('lets the auditor role assume a member account audit role, and no other audit-account role', async () => {
    emu = await startEmulator({ orgSpec: SPEC });
    expect(emu.auditorRoleName).toBe('OrgKeyAuditAuditor');
    const auditor = emu.roleCredentials('OrgKeyAuditAuditor', 'audit-account-fn');
    const out = await assume(emu, auditor);
    expect(out.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::333333333333:assumed-role/OrgKeyAuditRole/audit-333333333333',
    );
    const session = {
      accessKeyId: out.Credentials?.AccessKeyId ?? '',
      secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
      sessionToken: out.Credentials?.SessionToken ?? '',
    };
    const users = await iam(emu, session).send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toEqual(['alice']);

    const digest = emu.roleCredentials('OrgKeyAuditDigest', 'digest');
    await expect(assume(emu, digest)).rejects.toMatchObject({
      name: 'AccessDenied',
      message:
        'User: arn:aws:sts::222222222222:assumed-role/OrgKeyAuditDigest/digest is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/OrgKeyAuditRole',
      $metadata: { httpStatusCode: 403 },
    });
    // The trust check is the handler's own answer: recorded as 'error' (the hook's denials are 'denied').
    expect(emu.calls().map((c) => [c.callerArn, c.action, c.resource, c.outcome])).toEqual([
      [
        'arn:aws:sts::222222222222:assumed-role/OrgKeyAuditAuditor/audit-account-fn',
        'sts:AssumeRole',
        MEMBER_ROLE_ARN,
        'ok',
      ],
      [
        'arn:aws:sts::333333333333:assumed-role/OrgKeyAuditRole/audit-333333333333',
        'iam:ListUsers',
        '*',
        'ok',
      ],
      [
        'arn:aws:sts::222222222222:assumed-role/OrgKeyAuditDigest/digest',
        'sts:AssumeRole',
        MEMBER_ROLE_ARN,
        'error',
      ],
    ]);
  });
});

describe('auditorRoleName', () => {
  it('defaults to OrgKeyAuditAuditor, as before', async () => {
    emu = await startEmulator({ orgSpec: SPEC });
    expect(emu.auditor.roleArn).toBe('arn:aws:iam::222222222222:role/OrgKeyAuditAuditor');
    expect(emu.state.accounts.get(MEMBER)?.roles.get('OrgKeyAuditRole')?.trustedPrincipals).toEqual([
      'arn:aws:iam::222222222222:role/OrgKeyAuditAuditor',
    ]);
  });

  it('makes the audit roles trust that role instead; the auditor keys become its session', async () => {
    emu = await startEmulator({ orgSpec: SPEC, auditorRoleName: 'OrgKeyAuditAccountFn' });
    expect(emu.auditorRoleName).toBe('OrgKeyAuditAccountFn');
    expect(emu.auditor.roleArn).toBe('arn:aws:iam::222222222222:role/OrgKeyAuditAccountFn');
    expect(emu.state.accounts.get(MEMBER)?.roles.get('OrgKeyAuditRole')?.trustedPrincipals).toEqual([
      'arn:aws:iam::222222222222:role/OrgKeyAuditAccountFn',
    ]);

    await expect(assume(emu, emu.roleCredentials('OrgKeyAuditAccountFn', 'fn'))).resolves.toMatchObject({
      AssumedRoleUser: { Arn: 'arn:aws:sts::333333333333:assumed-role/OrgKeyAuditRole/audit-333333333333' },
    });
    await expect(assume(emu, auditorCredentials(emu))).resolves.toBeDefined();
    const me = await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:sts::222222222222:assumed-role/OrgKeyAuditAccountFn/org-key-audit');
    // The default name is now just another audit-account role.
    await expect(assume(emu, emu.roleCredentials('OrgKeyAuditAuditor', 'old'))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('is threaded through generateOrganization, and must be a role name other than the audit role', () => {
    const generated = generateOrganization({ accounts: 3, users: 1, seed: 5, auditorRoleName: 'Collector' });
    const member = [...generated.org.accounts.values()][2];
    expect(member?.roles.get('OrgKeyAuditRole')?.trustedPrincipals).toEqual([
      `arn:aws:iam::${generated.auditAccountId}:role/Collector`,
    ]);
    expect(() =>
      generateOrganization({ accounts: 3, users: 1, seed: 5, auditorRoleName: 'bad name' }),
    ).toThrow(/auditorRoleName must be an IAM role name/);
    expect(() =>
      generateOrganization({ accounts: 3, users: 1, seed: 5, auditorRoleName: 'OrgKeyAuditRole' }),
    ).toThrow(/other than the audit role OrgKeyAuditRole/);
  });

  it('leaves a generated organization identical when unset', () => {
    const a = generateOrganization({ accounts: 4, users: 2, seed: 9, now: new Date('2025-06-15T12:00:00Z') });
    const b = generateOrganization({
      accounts: 4,
      users: 2,
      seed: 9,
      now: new Date('2025-06-15T12:00:00Z'),
      auditorRoleName: 'OrgKeyAuditAuditor',
    });
    expect(b.auditor).toEqual(a.auditor);
    expect([...b.org.credentials.keys()]).toEqual([...a.org.credentials.keys()]);
  });
});
