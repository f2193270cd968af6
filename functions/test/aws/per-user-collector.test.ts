import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  type ListAccessKeysCommandInput,
  ListUsersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallCounter, ThrottledCaller } from '../../src/aws/api-calls';
import { collectPrincipalsPerUser } from '../../src/aws/per-user-collector';

const ACCOUNT_ID = '111122223333';
const NOW = new Date('2025-06-15T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

const user = (name: string) => ({
  UserName: name,
  Arn: `arn:aws:iam::${ACCOUNT_ID}:user/${name}`,
  UserId: `AIDA${name.toUpperCase()}`,
  Path: '/',
  CreateDate: daysAgo(500),
});

function caller(counter = new ApiCallCounter()): ThrottledCaller {
  return new ThrottledCaller({ accountId: ACCOUNT_ID, counter, sleep: async () => {}, random: () => 0 });
}

afterEach(() => {
  iamMock.reset();
});

describe('collectPrincipalsPerUser', () => {
  it('follows Marker while IsTruncated, even across short pages', async () => {
    iamMock
      .on(ListUsersCommand, { Marker: undefined })
      .resolves({ Users: [user('u1'), user('u2')], IsTruncated: true, Marker: 'm1' });
    iamMock
      .on(ListUsersCommand, { Marker: 'm1' })
      .resolves({ Users: [user('u3')], IsTruncated: true, Marker: 'm2' });
    iamMock.on(ListUsersCommand, { Marker: 'm2' }).resolves({ Users: [user('u4')], IsTruncated: false });
    iamMock.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
    const counter = new ApiCallCounter();

    const principals = await collectPrincipalsPerUser({ iam, caller: caller(counter) });

    expect(principals.map((p) => p.userName)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(iamMock.commandCalls(ListUsersCommand).map((c) => c.args[0].input)).toEqual([
      { MaxItems: 1000, Marker: undefined },
      { MaxItems: 1000, Marker: 'm1' },
      { MaxItems: 1000, Marker: 'm2' },
    ]);
    expect(counter.snapshot()).toEqual({ 'iam:ListAccessKeys': 4, 'iam:ListUsers': 3 });
  });

  it('builds keys with ids, slots by creation order, and last use (N/A read as null)', async () => {
    iamMock.on(ListUsersCommand).resolves({ Users: [user('ivy')], IsTruncated: false });
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { UserName: 'ivy', AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: daysAgo(3) },
        { UserName: 'ivy', AccessKeyId: 'AKIAOLD', Status: 'Inactive', CreateDate: daysAgo(300) },
      ],
    });
    iamMock.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIAOLD' }).resolves({
      AccessKeyLastUsed: { LastUsedDate: daysAgo(200), ServiceName: 'sts', Region: 'us-east-1' },
    });
    iamMock.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIANEW' }).resolves({
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
    });

    const [ivy] = await collectPrincipalsPerUser({ iam, caller: caller() });

    expect(ivy).toEqual({
      userName: 'ivy',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/ivy`,
      isRoot: false,
      keys: [
        {
          slot: 1,
          accessKeyId: 'AKIAOLD',
          status: 'Inactive',
          createdAt: daysAgo(300),
          lastUsedAt: daysAgo(200),
          lastUsedService: 'sts',
          lastUsedRegion: 'us-east-1',
        },
        {
          slot: 2,
          accessKeyId: 'AKIANEW',
          status: 'Active',
          createdAt: daysAgo(3),
          lastUsedAt: null,
          lastUsedService: null,
          lastUsedRegion: null,
        },
      ],
    });
  });

  it('skips a user deleted between ListUsers and ListAccessKeys', async () => {
    iamMock.on(ListUsersCommand).resolves({ Users: [user('gone'), user('here')], IsTruncated: false });
    iamMock
      .on(ListAccessKeysCommand, { UserName: 'gone' })
      .rejects(new NoSuchEntityException({ $metadata: {}, message: 'x' }));
    iamMock.on(ListAccessKeysCommand, { UserName: 'here' }).resolves({ AccessKeyMetadata: [] });

    const principals = await collectPrincipalsPerUser({ iam, caller: caller() });

    expect(principals.map((p) => p.userName)).toEqual(['here']);
  });

  it('keeps at most `concurrency` users in flight', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    iamMock.on(ListUsersCommand).resolves({ Users: names.map(user), IsTruncated: false });
    let inFlight = 0;
    let peak = 0;
    iamMock.on(ListAccessKeysCommand).callsFake(async (_input: ListAccessKeysCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Yield to the event loop so the other workers get to start their calls.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { AccessKeyMetadata: [] };
    });

    const principals = await collectPrincipalsPerUser({ iam, caller: caller(), concurrency: 3 });

    expect(principals).toHaveLength(7);
    expect(peak).toBe(3);
  });
});
