import {
  AccessDeniedException,
  type Account,
  AWSOrganizationsNotInUseException,
  ListAccountsCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/aws/assume-role';
import type { TemporaryCredentials } from '../../src/aws/clients';
import { listOrganizationAccounts, organizationsClientFor } from '../../src/aws/organization';
import { MalformedDataError, OrganizationAccessError } from '../../src/core/errors';

const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
const org = new OrganizationsClient({ region: 'us-east-1' });
const noWait = { sleep: async () => {}, random: () => 0 };

const accountId = (n: number) => String(100000000000 + n);
const acct = (n: number, extra: Partial<Account> = {}): Account => ({
  Id: accountId(n),
  Name: `account-${n}`,
  Email: `a${n}@example.com`,
  State: 'ACTIVE',
  ...extra,
});

afterEach(() => {
  orgMock.reset();
  stsMock.reset();
});

describe('listOrganizationAccounts', () => {
  it('follows NextToken through pages of 20, past an empty page that still carries a token', async () => {
    const all = Array.from({ length: 45 }, (_, i) => acct(i + 1));
    orgMock
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: all.slice(0, 20), NextToken: 't1' });
    orgMock.on(ListAccountsCommand, { NextToken: 't1' }).resolves({ Accounts: [], NextToken: 't2' });
    orgMock
      .on(ListAccountsCommand, { NextToken: 't2' })
      .resolves({ Accounts: all.slice(20, 40), NextToken: 't3' });
    orgMock.on(ListAccountsCommand, { NextToken: 't3' }).resolves({ Accounts: all.slice(40) });

    const accounts = await listOrganizationAccounts(org, noWait);

    expect(accounts).toHaveLength(45);
    expect(accounts.map((a) => a.accountId)).toEqual(all.map((a) => a.Id));
    const calls = orgMock.commandCalls(ListAccountsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { MaxResults: 20, NextToken: undefined },
      { MaxResults: 20, NextToken: 't1' },
      { MaxResults: 20, NextToken: 't2' },
      { MaxResults: 20, NextToken: 't3' },
    ]);
  });

  it('reads State, and falls back to Status when State is absent', async () => {
    orgMock.on(ListAccountsCommand).resolves({
      Accounts: [
        acct(1, { State: 'PENDING_CLOSURE', Status: 'ACTIVE' }),
        acct(2, { State: undefined, Status: 'SUSPENDED' }),
        acct(3, { State: 'CLOSED', Status: undefined }),
      ],
    });

    const accounts = await listOrganizationAccounts(org, noWait);

    expect(accounts).toEqual([
      {
        accountId: accountId(1),
        accountName: 'account-1',
        email: 'a1@example.com',
        state: 'PENDING_CLOSURE',
      },
      { accountId: accountId(2), accountName: 'account-2', email: 'a2@example.com', state: 'SUSPENDED' },
      { accountId: accountId(3), accountName: 'account-3', email: 'a3@example.com', state: 'CLOSED' },
    ]);
  });

  it('retries TooManyRequestsException with backoff and carries on', async () => {
    const sleeps: number[] = [];
    orgMock
      .on(ListAccountsCommand)
      .rejectsOnce(new TooManyRequestsException({ $metadata: {}, message: 'slow down' }))
      .rejectsOnce(new TooManyRequestsException({ $metadata: {}, message: 'slow down' }))
      .resolves({ Accounts: [acct(1)] });

    const accounts = await listOrganizationAccounts(org, {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      throttleRetry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000 },
    });

    expect(accounts.map((a) => a.accountId)).toEqual([accountId(1)]);
    // Full jitter at 0.5 of ceilings 1000 and 2000.
    expect(sleeps).toEqual([500, 1000]);
  });

  it('gives up on throttling after the retry budget with OrganizationsThrottledError, which the state machine retries', async () => {
    orgMock
      .on(ListAccountsCommand)
      .rejects(new TooManyRequestsException({ $metadata: {}, message: 'slow down' }));

    await expect(
      listOrganizationAccounts(org, {
        ...noWait,
        throttleRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      }),
    ).rejects.toMatchObject({
      name: 'OrganizationsThrottledError',
      cause: expect.any(TooManyRequestsException),
    });
    expect(orgMock.commandCalls(ListAccountsCommand)).toHaveLength(3);
  });

  it.each([
    ['AccessDeniedException', new AccessDeniedException({ $metadata: {}, message: 'no' })],
    [
      'AWSOrganizationsNotInUseException',
      new AWSOrganizationsNotInUseException({ $metadata: {}, message: 'no org' }),
    ],
  ])('turns %s into OrganizationAccessError with the fix', async (_name, error) => {
    orgMock.on(ListAccountsCommand).rejects(error);

    const thrown = await listOrganizationAccounts(org, noWait).catch((e: unknown) => e);

    expect(thrown).toBeInstanceOf(OrganizationAccessError);
    expect((thrown as Error).message).toContain(
      'run in the management account or a delegated administrator, or set ORG_READER_ROLE_ARN',
    );
    expect(orgMock.commandCalls(ListAccountsCommand)).toHaveLength(1);
  });

  it('stops on a token that repeats instead of looping for ever', async () => {
    orgMock.on(ListAccountsCommand).resolves({ Accounts: [], NextToken: 'same' });

    await expect(listOrganizationAccounts(org, noWait)).rejects.toBeInstanceOf(MalformedDataError);
  });
});

describe('organizationsClientFor', () => {
  const sts = new STSClient({ region: 'eu-west-1' });

  it('uses the given client when no org-reader role is configured', async () => {
    const client = await organizationsClientFor({
      org,
      sts,
      orgReaderRoleArn: undefined,
      sessionName: 'run',
    });

    expect(client).toBe(org);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('assumes the org-reader role and builds a client with its credentials', async () => {
    const roleArn = 'arn:aws:iam::999999999999:role/OrgReader';
    const expiration = new Date(Date.now() + 3_600_000);
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAREADER',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: expiration,
      },
    });
    const built: TemporaryCredentials[] = [];
    const other = new OrganizationsClient({ region: 'us-east-1' });

    const client = await organizationsClientFor({
      org,
      sts,
      orgReaderRoleArn: roleArn,
      sessionName: 'daily 2025-06-15',
      cache: new CredentialCache(),
      createClient: (credentials) => {
        built.push(credentials);
        return other;
      },
    });

    expect(client).toBe(other);
    expect(built.map((c) => c.accessKeyId)).toEqual(['ASIAREADER']);
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: roleArn,
      RoleSessionName: 'daily-2025-06-15',
    });
  });

  it('turns a denied org-reader role into OrganizationAccessError', async () => {
    stsMock.on(AssumeRoleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(
      organizationsClientFor({
        org,
        sts,
        orgReaderRoleArn: 'arn:aws:iam::999999999999:role/OrgReader',
        sessionName: 'run',
        cache: new CredentialCache(),
      }),
    ).rejects.toBeInstanceOf(OrganizationAccessError);
  });
});
