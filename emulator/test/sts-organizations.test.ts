import { ListUsersCommand } from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { assumeAuditRole, auditorCredentials, iam, organizations, sts } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const ids = (n: number) => String(100_000_000_000 + n);

/** 125 accounts: enough for several 20-account pages and one planted empty page. */
const SPEC = {
  accounts: [
    { id: ids(0), name: 'management' },
    { id: ids(1), name: 'security' },
    { id: ids(2), name: 'no-role', auditRole: false },
    { id: ids(3), name: 'suspended', state: 'SUSPENDED' },
    { id: ids(4), name: 'member', users: [{ name: 'mia', keys: [{ ageDays: 3, lastUsedDaysAgo: 1 }] }] },
    ...Array.from({ length: 120 }, (_, i) => ({ id: ids(10 + i), name: `filler-${i}` })),
  ],
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW });
});
afterAll(async () => {
  await emu.stop();
});

const roleArn = (account: string) => `arn:aws:iam::${account}:role/OrgKeyAuditRole`;

describe('STS', () => {
  it('GetCallerIdentity names the auditor, and an assumed session in its target account', async () => {
    const me = await sts(emu, auditorCredentials(emu)).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(ids(1));
    expect(me.Arn).toBe(`arn:aws:sts::${ids(1)}:assumed-role/OrgKeyAuditAuditor/org-key-audit`);
    const session = await sts(emu, await assumeAuditRole(emu, ids(4))).send(new GetCallerIdentityCommand({}));
    expect(session.Account).toBe(ids(4));
    expect(session.Arn).toBe(`arn:aws:sts::${ids(4)}:assumed-role/OrgKeyAuditRole/org-key-audit-test`);
  });

  it('AssumeRole returns ASIA keys and a session token that act in the target account until they expire', async () => {
    const out = await sts(emu, auditorCredentials(emu)).send(
      new AssumeRoleCommand({ RoleArn: roleArn(ids(4)), RoleSessionName: 'audit', DurationSeconds: 900 }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.toISOString()).toBe('2025-06-15T12:15:00.000Z');
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ids(4)}:assumed-role/OrgKeyAuditRole/audit`);
    const creds = {
      accessKeyId: out.Credentials?.AccessKeyId ?? '',
      secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
      sessionToken: out.Credentials?.SessionToken ?? '',
    };
    const users = await iam(emu, creds).send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toEqual(['mia']);
    // Without its session token the key is not valid.
    await expect(
      iam(emu, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).send(
        new ListUsersCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    emu.clock.advance(15 * 60_000);
    try {
      await expect(iam(emu, creds).send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      });
      await expect(organizations(emu, creds).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject(
        {
          name: 'ExpiredTokenException',
        },
      );
    } finally {
      emu.clock.set(NOW);
    }
  });

  it("denies AssumeRole with AWS's message when the role is missing, the caller untrusted, or the account suspended", async () => {
    const auditor = sts(emu, auditorCredentials(emu));
    const callerArn = `arn:aws:sts::${ids(1)}:assumed-role/OrgKeyAuditAuditor/org-key-audit`;
    for (const account of [ids(2), ids(3)]) {
      await expect(
        auditor.send(new AssumeRoleCommand({ RoleArn: roleArn(account), RoleSessionName: 'audit' })),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn(account)}`,
        $metadata: { httpStatusCode: 403 },
      });
    }
    // A session in a member account is not the trusted auditor role.
    const member = sts(emu, await assumeAuditRole(emu, ids(4)));
    await expect(
      member.send(new AssumeRoleCommand({ RoleArn: roleArn(ids(10)), RoleSessionName: 'hop' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ids(4)}:assumed-role/OrgKeyAuditRole/org-key-audit-test is not authorized to perform: sts:AssumeRole on resource: ${roleArn(ids(10))}`,
    });
  });

  it('validates the session name and caps sessions at one hour', async () => {
    const auditor = sts(emu, auditorCredentials(emu));
    await expect(
      auditor.send(new AssumeRoleCommand({ RoleArn: roleArn(ids(4)), RoleSessionName: 'has space' })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      auditor.send(
        new AssumeRoleCommand({ RoleArn: roleArn(ids(4)), RoleSessionName: 'ok', DurationSeconds: 7200 }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('rejects unknown access keys in each protocol', async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };
    await expect(sts(emu, stranger).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(organizations(emu, stranger).send(new ListAccountsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
  });
});

describe('Organizations', () => {
  it('ListAccounts pages of at most 20, with one empty page that still has a NextToken', async () => {
    const client = organizations(emu, auditorCredentials(emu));
    const pageSizes: number[] = [];
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListAccountsCommand({ NextToken: token }));
      pageSizes.push(page.Accounts?.length ?? 0);
      seen.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
      token = page.NextToken;
    } while (token !== undefined);
    expect(seen).toEqual(SPEC.accounts.map((a) => a.id));
    expect(pageSizes).toEqual([20, 20, 20, 20, 20, 0, 20, 5]);
  });

  it('the SDK paginator collects every account with Status, State and JoinedTimestamp', async () => {
    const all = [];
    for await (const page of paginateListAccounts(
      { client: organizations(emu, auditorCredentials(emu)), pageSize: 7 },
      {},
    )) {
      expect(page.Accounts?.length ?? 0).toBeLessThanOrEqual(7);
      all.push(...(page.Accounts ?? []));
    }
    expect(all).toHaveLength(125);
    const suspended = all.find((a) => a.Id === ids(3));
    expect(suspended).toMatchObject({
      Name: 'suspended',
      Status: 'SUSPENDED',
      State: 'SUSPENDED',
      JoinedMethod: 'CREATED',
    });
    expect(suspended?.Email).toBe('aws+suspended@example.com');
    expect(suspended?.Arn).toMatch(
      new RegExp(`^arn:aws:organizations::${ids(0)}:account/o-[a-z0-9]{10}/${ids(3)}$`),
    );
    expect(suspended?.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it('only the management account or the delegated administrator may list accounts', async () => {
    const member = organizations(emu, await assumeAuditRole(emu, ids(4)));
    await expect(member.send(new ListAccountsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    const management = organizations(emu, await assumeAuditRole(emu, ids(0)));
    expect((await management.send(new ListAccountsCommand({}))).Accounts).toHaveLength(20);
    // Any member may describe its organization.
    const org = await member.send(new DescribeOrganizationCommand({}));
    expect(org.Organization?.MasterAccountId).toBe(ids(0));
    expect(org.Organization?.FeatureSet).toBe('ALL');
  });

  it('rejects MaxResults above 20', async () => {
    await expect(
      organizations(emu, auditorCredentials(emu)).send(new ListAccountsCommand({ MaxResults: 21 })),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});
