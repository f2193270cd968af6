/**
 * The OU tree and account tags over the Organizations SDK (aws/organization-directory.ts), with
 * aws-sdk-client-mock: every page is read, a repeated token stops the loop, throttling is
 * retried and then typed, a denial names the fix, and ListTagsForResource is paced.
 */
import {
  AccessDeniedException,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TargetNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { organizationDirectory } from '../../src/aws/organization-directory';
import {
  MalformedDataError,
  OrganizationAccessError,
  OrganizationsThrottledError,
} from '../../src/core/errors';

const orgMock = mockClient(OrganizationsClient);
const org = new OrganizationsClient({ region: 'us-east-1' });
const noWait = { sleep: async () => {}, random: () => 0 };
const directory = (extra: Partial<Parameters<typeof organizationDirectory>[0]> = {}) =>
  organizationDirectory({ org, tagRequestsPerSecond: 1000, ...noWait, ...extra });

const ouId = (n: number) => `ou-ab12-${String(n).padStart(8, '0')}`;
const acct = (n: number) => String(100000000000 + n);
const throttled = () => new TooManyRequestsException({ $metadata: {}, message: 'slow down' });

afterEach(() => {
  orgMock.reset();
});

describe('pagination', () => {
  it('follows NextToken through every page, past an empty page that still carries a token', async () => {
    const all = Array.from({ length: 45 }, (_, i) => ({ Id: ouId(i) }));
    const on = (NextToken: string | undefined) =>
      orgMock.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12', NextToken });
    on(undefined).resolves({ OrganizationalUnits: all.slice(0, 20), NextToken: 't1' });
    on('t1').resolves({ OrganizationalUnits: [], NextToken: 't2' });
    on('t2').resolves({ OrganizationalUnits: all.slice(20, 40), NextToken: 't3' });
    on('t3').resolves({ OrganizationalUnits: all.slice(40) });

    const d = directory();
    expect(await d.childOrganizationalUnits('r-ab12')).toEqual(all.map((o) => o.Id));
    expect(orgMock.commandCalls(ListOrganizationalUnitsForParentCommand).map((c) => c.args[0].input)).toEqual(
      [
        { ParentId: 'r-ab12', MaxResults: 20, NextToken: undefined },
        { ParentId: 'r-ab12', MaxResults: 20, NextToken: 't1' },
        { ParentId: 'r-ab12', MaxResults: 20, NextToken: 't2' },
        { ParentId: 'r-ab12', MaxResults: 20, NextToken: 't3' },
      ],
    );
    expect(d.apiCalls()).toEqual({ 'organizations:ListOrganizationalUnitsForParent': 4 });
  });

  it('reads the roots and the accounts of a parent over pages too', async () => {
    orgMock
      .on(ListRootsCommand, { NextToken: undefined })
      .resolves({ Roots: [{ Id: 'r-ab12' }], NextToken: 'x' });
    orgMock.on(ListRootsCommand, { NextToken: 'x' }).resolves({ Roots: [] });
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: ouId(1), NextToken: undefined })
      .resolves({ Accounts: [{ Id: acct(1) }, { Id: acct(2) }], NextToken: 'a' });
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: ouId(1), NextToken: 'a' })
      .resolves({ Accounts: [{ Id: acct(3) }], NextToken: '' });

    const d = directory();
    expect(await d.roots()).toEqual(['r-ab12']);
    expect(await d.accountsIn(ouId(1))).toEqual([acct(1), acct(2), acct(3)]);
    expect(d.apiCalls()).toEqual({ 'organizations:ListAccountsForParent': 2, 'organizations:ListRoots': 2 });
  });

  it('stops with MalformedDataError on a token it has seen before instead of looping', async () => {
    orgMock
      .on(ListAccountsForParentCommand, { NextToken: undefined })
      .resolves({ Accounts: [{ Id: acct(1) }], NextToken: 'a' });
    orgMock.on(ListAccountsForParentCommand, { NextToken: 'a' }).resolves({ Accounts: [], NextToken: 'b' });
    orgMock.on(ListAccountsForParentCommand, { NextToken: 'b' }).resolves({ Accounts: [], NextToken: 'a' });

    const thrown = await directory()
      .accountsIn(ouId(1))
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MalformedDataError);
    expect((thrown as Error).message).toBe(
      'organizations:ListAccountsForParent returned the token "a" twice',
    );
    expect(orgMock.commandCalls(ListAccountsForParentCommand)).toHaveLength(3);
  });

  it('stops on a repeated token of ListTagsForResource too', async () => {
    orgMock.on(ListTagsForResourceCommand).resolves({ Tags: [], NextToken: 'same' });
    await expect(directory().accountTag(acct(1), 'Owner')).rejects.toBeInstanceOf(MalformedDataError);
    expect(orgMock.commandCalls(ListTagsForResourceCommand)).toHaveLength(2);
  });

  it('refuses an entry without Id', async () => {
    orgMock
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [{ Name: 'no id' }] });
    await expect(directory().childOrganizationalUnits('r-ab12')).rejects.toThrow(
      'organizations:ListOrganizationalUnitsForParent returned an entry without Id',
    );
  });
});

describe('errors', () => {
  it('retries TooManyRequestsException with backoff and carries on', async () => {
    const sleeps: number[] = [];
    orgMock
      .on(ListRootsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Roots: [{ Id: 'r-ab12' }] });
    const d = directory({
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      throttleRetry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000 },
    });
    expect(await d.roots()).toEqual(['r-ab12']);
    // Full jitter at 0.5 of the ceilings 1000 and 2000.
    expect(sleeps).toEqual([500, 1000]);
    expect(d.apiCalls()).toEqual({ 'organizations:ListRoots': 3 });
  });

  it('gives up after the retry budget with OrganizationsThrottledError', async () => {
    orgMock.on(ListOrganizationalUnitsForParentCommand).rejects(throttled());
    const thrown = await directory({ throttleRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } })
      .childOrganizationalUnits('r-ab12')
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OrganizationsThrottledError);
    expect(thrown).toMatchObject({ cause: expect.any(TooManyRequestsException) });
    expect((thrown as Error).message).toContain('organizations:ListOrganizationalUnitsForParent');
    expect(orgMock.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(3);
  });

  it('retries a throttled ListTagsForResource and gives up the same way', async () => {
    orgMock.on(ListTagsForResourceCommand).rejects(throttled());
    await expect(
      directory({ throttleRetry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).accountTag(
        acct(1),
        'Owner',
      ),
    ).rejects.toBeInstanceOf(OrganizationsThrottledError);
    expect(orgMock.commandCalls(ListTagsForResourceCommand)).toHaveLength(2);
  });

  const denied = () => new AccessDeniedException({ $metadata: {}, message: 'no' });
  it.each([
    {
      name: 'ListRoots',
      deny: () => orgMock.on(ListRootsCommand).rejects(denied()),
      call: (d: ReturnType<typeof directory>) => d.roots(),
      sent: () => orgMock.commandCalls(ListRootsCommand).length,
    },
    {
      name: 'ListTagsForResource',
      deny: () => orgMock.on(ListTagsForResourceCommand).rejects(denied()),
      call: (d: ReturnType<typeof directory>) => d.accountTag(acct(1), 'Owner'),
      sent: () => orgMock.commandCalls(ListTagsForResourceCommand).length,
    },
  ])(
    'turns a denied $name into OrganizationAccessError naming the fix, without retrying',
    async ({ name, deny, call, sent }) => {
      deny();
      const thrown = await call(directory()).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(OrganizationAccessError);
      const message = (thrown as Error).message;
      expect(message).toContain(`organizations:${name} was denied`);
      expect(message).toContain(
        'organizations:ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent and ListTagsForResource',
      );
      expect(message).toContain('remove owners.accountTagKey and owners.organizationalUnits');
      expect(sent()).toBe(1);
    },
  );
});

describe('accountTag', () => {
  it("returns the tag's value over every page, null without the tag, and '' for an empty value", async () => {
    orgMock
      .on(ListTagsForResourceCommand, { ResourceId: acct(1), NextToken: undefined })
      .resolves({ Tags: [{ Key: 'CostCenter', Value: '42' }], NextToken: 'p2' });
    orgMock
      .on(ListTagsForResourceCommand, { ResourceId: acct(1), NextToken: 'p2' })
      .resolves({ Tags: [{ Key: 'Owner', Value: 'payments' }] });
    orgMock
      .on(ListTagsForResourceCommand, { ResourceId: acct(2) })
      .resolves({ Tags: [{ Key: 'owner', Value: 'x' }] });
    orgMock
      .on(ListTagsForResourceCommand, { ResourceId: acct(3) })
      .resolves({ Tags: [{ Key: 'Owner', Value: '' }] });

    const d = directory();
    expect(await d.accountTag(acct(1), 'Owner')).toBe('payments');
    // Tag keys are case-sensitive.
    expect(await d.accountTag(acct(2), 'Owner')).toBeNull();
    expect(await d.accountTag(acct(3), 'Owner')).toBe('');
    expect(d.apiCalls()).toEqual({ 'organizations:ListTagsForResource': 4 });
  });

  it('returns null for an account that left the organization (TargetNotFoundException)', async () => {
    orgMock
      .on(ListTagsForResourceCommand)
      .rejects(new TargetNotFoundException({ $metadata: {}, message: 'gone' }));
    expect(await directory().accountTag(acct(1), 'Owner')).toBeNull();
  });

  it('paces ListTagsForResource: N calls at R per second wait (N-1)/R seconds in all, the other calls not at all', async () => {
    orgMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
    let now = 0;
    const sleeps: number[] = [];
    const d = organizationDirectory({
      org,
      tagRequestsPerSecond: 5,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0,
    });
    await d.roots();
    await d.roots();
    expect(sleeps).toEqual([]);
    const N = 11;
    for (let i = 0; i < N; i++) await d.accountTag(acct(i), 'Owner');
    // The first call goes at once (a burst of one), each later one 1/5 s after the previous.
    expect(sleeps).toHaveLength(N - 1);
    const total = sleeps.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(((N - 1) / 5) * 1000 - N);
    expect(total).toBeLessThanOrEqual(((N - 1) / 5) * 1000 + N);
    expect(now).toBe(total);
  });

  it('does not wait when the calls are spread out already', async () => {
    orgMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    let now = 0;
    const sleeps: number[] = [];
    const d = organizationDirectory({
      org,
      tagRequestsPerSecond: 2,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    for (let i = 0; i < 5; i++) {
      await d.accountTag(acct(i), 'Owner');
      now += 500;
    }
    expect(sleeps).toEqual([]);
  });
});
