/**
 * Account owners (app/account-owners.ts) over an in-memory OrganizationDirectory that counts its
 * calls: the OU tree costs O(OUs) calls, never one per account; account tags come from the cache
 * and at most `maxPerRun` are read per run; a failing directory is a warning, never an error.
 * PlanRun then writes the owners into organization.json and keeps a few short warnings.
 */
import { describe, expect, it } from 'vitest';
import { resolveAccountOwners } from '../../src/app/account-owners';
import { planRun } from '../../src/app/plan-run';
import type { OrganizationDirectory, OrganizationSource } from '../../src/app/ports';
import { silentTelemetry } from '../../src/app/telemetry';
import { OrganizationsThrottledError } from '../../src/core/errors';
import type { OrgAccount } from '../../src/core/model';
import { type AccountTagCache, DEFAULT_OWNER_RULES, type OwnerRules } from '../../src/core/owners';
import { ACCOUNT_TAG_CACHE_KEY, type OrganizationEntry } from '../../src/core/run-layout';
import { memoryRecords } from './memory-records';

const ROOT = 'r-ab12';
const ou = (name: string) => `ou-ab12-${name.padEnd(8, '0')}`;
const acct = (n: number) => String(100000000000 + n);

/**
 * root → ou1, ou2, ou3; ou1 → ou1a, ou1b; ou1a → ou1a1; ou2 → ou2a; ou3 → ou3a, ou3b; ou3a → ou3a1.
 * Ten OUs, twenty accounts in each: 200 accounts.
 */
const TREE: Record<string, string[]> = {
  [ROOT]: [ou('1'), ou('2'), ou('3')],
  [ou('1')]: [ou('1a'), ou('1b')],
  [ou('1a')]: [ou('1a1')],
  [ou('2')]: [ou('2a')],
  [ou('3')]: [ou('3a'), ou('3b')],
  [ou('3a')]: [ou('3a1')],
};
const OUS = [
  ou('1'),
  ou('1a'),
  ou('1a1'),
  ou('1b'),
  ou('2'),
  ou('2a'),
  ou('3'),
  ou('3a'),
  ou('3a1'),
  ou('3b'),
];
const MEMBERS: Record<string, string[]> = Object.fromEntries(
  OUS.map((id, i) => [id, Array.from({ length: 20 }, (_, j) => acct(i * 20 + j))]),
);
const ALL_ACCOUNTS = OUS.flatMap((id) => MEMBERS[id] ?? []);

interface MemoryDirectory extends OrganizationDirectory {
  readonly calls: Record<string, number>;
  readonly parentsListed: string[];
  readonly tagReads: string[];
}

function memoryDirectory(
  seed: {
    readonly tags?: Readonly<Record<string, string>>;
    /** accountTag throws this on the n-th call (1-based). */
    readonly tagFailsAt?: number;
    /** childOrganizationalUnits throws for this parent. */
    readonly walkFailsAt?: string;
  } = {},
): MemoryDirectory {
  const calls: Record<string, number> = {};
  const parentsListed: string[] = [];
  const tagReads: string[] = [];
  const count = (action: string) => {
    calls[action] = (calls[action] ?? 0) + 1;
  };
  return {
    calls,
    parentsListed,
    tagReads,
    roots: async () => {
      count('organizations:ListRoots');
      return [ROOT];
    },
    childOrganizationalUnits: async (parentId) => {
      count('organizations:ListOrganizationalUnitsForParent');
      if (parentId === seed.walkFailsAt) throw new OrganizationsThrottledError('walk throttled');
      return [...(TREE[parentId] ?? [])];
    },
    accountsIn: async (parentId) => {
      count('organizations:ListAccountsForParent');
      parentsListed.push(parentId);
      return [...(MEMBERS[parentId] ?? [])];
    },
    accountTag: async (accountId, tagKey) => {
      count('organizations:ListTagsForResource');
      if (seed.tagFailsAt !== undefined && calls['organizations:ListTagsForResource'] === seed.tagFailsAt) {
        throw new OrganizationsThrottledError('ListTagsForResource kept answering TooManyRequestsException');
      }
      tagReads.push(accountId);
      return tagKey === 'Owner' ? (seed.tags?.[accountId] ?? null) : null;
    },
    apiCalls: () => ({ ...calls }),
  };
}

const rules = (overrides: Partial<OwnerRules>): OwnerRules => ({ ...DEFAULT_OWNER_RULES, ...overrides });
const NOW = new Date('2026-12-01T06:00:00.000Z');
const later = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

function setup(directory: MemoryDirectory) {
  const records = memoryRecords({ organization: {} });
  let opened = 0;
  const deps = {
    directory: async () => {
      opened++;
      return directory;
    },
    records,
  };
  return { deps, records, opened: () => opened };
}

describe('OU owners', () => {
  it('walks the tree once and lists accounts only under mapped OUs: O(OUs) calls, never per account', async () => {
    const directory = memoryDirectory();
    const { deps } = setup(directory);
    const result = await resolveAccountOwners(deps, {
      accountIds: ALL_ACCOUNTS,
      rules: rules({ organizationalUnits: { [ou('1')]: 'platform' } }),
      now: NOW,
    });
    // One ListRoots, one ListOrganizationalUnitsForParent per parent (the root and all 10 OUs),
    // one ListAccountsForParent per OU of the mapped subtree (ou1, ou1a, ou1a1, ou1b).
    expect(directory.calls).toEqual({
      'organizations:ListRoots': 1,
      'organizations:ListOrganizationalUnitsForParent': 11,
      'organizations:ListAccountsForParent': 4,
    });
    expect([...directory.parentsListed].sort()).toEqual([ou('1'), ou('1a'), ou('1a1'), ou('1b')].sort());
    expect(result.apiCalls).toEqual(directory.calls);
    expect(result.warnings).toEqual([]);
    // 4 OUs × 20 accounts, all platform's by OU; the other 120 have no account owner.
    expect(result.owners.size).toBe(80);
    const subtree = [ou('1'), ou('1a'), ou('1a1'), ou('1b')].flatMap((id) => MEMBERS[id] ?? []);
    for (const id of subtree) expect(result.owners.get(id)).toEqual({ owner: 'platform', source: 'ou' });
    for (const id of MEMBERS[ou('2')] ?? []) expect(result.owners.has(id)).toBe(false);
  });

  it('gives an account to its deepest mapped OU', async () => {
    const { deps } = setup(memoryDirectory());
    const result = await resolveAccountOwners(deps, {
      accountIds: ALL_ACCOUNTS,
      rules: rules({ organizationalUnits: { [ou('1')]: 'platform', [ou('1a')]: 'payments' } }),
      now: NOW,
    });
    const first = (id: string) => MEMBERS[id]?.[0] as string;
    expect(result.owners.get(first(ou('1')))?.owner).toBe('platform');
    expect(result.owners.get(first(ou('1b')))?.owner).toBe('platform');
    expect(result.owners.get(first(ou('1a')))?.owner).toBe('payments');
    expect(result.owners.get(first(ou('1a1')))?.owner).toBe('payments');
  });

  it('warns about a mapped OU the organization does not have', async () => {
    const missing = 'ou-ab12-zzzzzzzz';
    const { deps } = setup(memoryDirectory());
    const result = await resolveAccountOwners(deps, {
      accountIds: ALL_ACCOUNTS,
      rules: rules({ organizationalUnits: { [missing]: 'ghosts', [ou('2a')]: 'data' } }),
      now: NOW,
    });
    expect(result.warnings).toEqual([
      `owners.organizationalUnits names ${missing}, which is not an OU of this organization; its owner gets no findings (fix the OU id)`,
    ]);
    expect(result.owners.size).toBe(20);
    expect([...result.owners.values()].every((o) => o.owner === 'data')).toBe(true);
  });

  it('turns a failed walk into a warning, and still reads the account tags', async () => {
    const directory = memoryDirectory({ walkFailsAt: ou('3'), tags: { [acct(0)]: 'tagged-team' } });
    const { deps } = setup(directory);
    const result = await resolveAccountOwners(deps, {
      accountIds: [acct(0), acct(20)],
      rules: rules({ organizationalUnits: { [ou('1')]: 'platform' }, accountTagKey: 'Owner' }),
      now: NOW,
    });
    expect(result.warnings).toEqual([
      'the OU owners could not be read (OrganizationsThrottledError: walk throttled); no finding is routed by OU this run',
    ]);
    expect(result.owners).toEqual(new Map([[acct(0), { owner: 'tagged-team', source: 'account-tag' }]]));
  });
});

describe('no owner rules', () => {
  it('opens no directory at all', async () => {
    const { deps, opened } = setup(memoryDirectory());
    const result = await resolveAccountOwners(deps, {
      accountIds: ALL_ACCOUNTS,
      rules: DEFAULT_OWNER_RULES,
      now: NOW,
    });
    expect(result).toEqual({ owners: new Map(), warnings: [], apiCalls: {} });
    expect(opened()).toBe(0);
  });

  it('turns a directory that cannot be opened into a warning', async () => {
    const result = await resolveAccountOwners(
      {
        directory: async () => {
          throw Object.assign(new Error('role denied'), { name: 'OrganizationAccessError' });
        },
        records: memoryRecords({ organization: {} }),
      },
      { accountIds: ALL_ACCOUNTS, rules: rules({ accountTagKey: 'Owner' }), now: NOW },
    );
    expect(result.owners.size).toBe(0);
    expect(result.warnings).toEqual([
      'account owners could not be read (OrganizationAccessError: role denied); findings go by user tag or to the security team',
    ]);
  });
});

describe('account tags', () => {
  const ids = Array.from({ length: 120 }, (_, i) => acct(i));
  const tags = Object.fromEntries(
    ids.filter((_, i) => i % 3 === 0).map((id) => [id, `team-${id.slice(-1)}`]),
  );
  const tagRules = rules({
    accountTagKey: 'Owner',
    accountTags: { ttlHours: 24, maxPerRun: 50, requestsPerSecond: 5 },
  });
  const stored = (records: ReturnType<typeof memoryRecords>) =>
    JSON.parse(records.written.get(ACCOUNT_TAG_CACHE_KEY) ?? 'null') as AccountTagCache | null;

  it('reads at most maxPerRun per run, the next ones on the next run, and none inside the TTL', async () => {
    const records = memoryRecords({ organization: {} });
    const run = async (now: Date) => {
      const directory = memoryDirectory({ tags });
      const result = await resolveAccountOwners(
        { directory: async () => directory, records },
        { accountIds: ids, rules: tagRules, now },
      );
      return { directory, result };
    };

    const first = await run(NOW);
    expect(first.directory.tagReads).toEqual(ids.slice(0, 50));
    expect(first.directory.calls).toEqual({ 'organizations:ListTagsForResource': 50 });
    expect(first.result.warnings).toEqual([
      'account owner tags of 70 account(s) are not read yet (at most 50 per run); their findings use the OU map or the security team until a later run reads them',
    ]);
    expect(Object.keys(stored(records)?.accounts ?? {})).toHaveLength(50);
    // Owners only for tagged accounts read so far: ids 0, 3, …, 48.
    expect([...first.result.owners.keys()]).toEqual(ids.slice(0, 50).filter((_, i) => i % 3 === 0));
    expect(first.result.owners.get(acct(3))).toEqual({ owner: 'team-3', source: 'account-tag' });

    const second = await run(later(1));
    expect(second.directory.tagReads).toEqual(ids.slice(50, 100));
    expect(second.result.warnings).toHaveLength(1);
    expect(second.result.warnings[0]).toContain('20 account(s) are not read yet');
    // The first run's values come from the cache.
    expect(second.result.owners.get(acct(3))).toEqual({ owner: 'team-3', source: 'account-tag' });

    const third = await run(later(2));
    expect(third.directory.tagReads).toEqual(ids.slice(100));
    expect(third.result.warnings).toEqual([]);
    expect(third.result.owners.size).toBe(40);

    const cached = records.written.get(ACCOUNT_TAG_CACHE_KEY);
    const inside = await run(later(3));
    expect(inside.directory.tagReads).toEqual([]);
    expect(inside.directory.calls).toEqual({});
    expect(inside.result.owners.size).toBe(40);
    // Nothing changed: the cache object is the same text (not rewritten with other times).
    expect(records.written.get(ACCOUNT_TAG_CACHE_KEY)).toBe(cached);

    // 24 h after the first run, its 50 are exactly TTL old: stale, and read again, stalest first.
    const expired = await run(later(24));
    expect(expired.directory.tagReads).toEqual(ids.slice(0, 50));
  });

  it('keeps what was read before the directory failed, stores it, and warns instead of throwing', async () => {
    const records = memoryRecords({ organization: {} });
    const directory = memoryDirectory({
      tags: { [acct(0)]: 'zero', [acct(1)]: 'one', [acct(5)]: 'five' },
      tagFailsAt: 4,
    });
    const result = await resolveAccountOwners(
      { directory: async () => directory, records },
      { accountIds: ids.slice(0, 10), rules: tagRules, now: NOW },
    );
    expect(directory.tagReads).toEqual([acct(0), acct(1), acct(2)]);
    expect(result.warnings).toEqual([
      'account owner tags: 3 of 10 read before OrganizationsThrottledError: ListTagsForResource kept answering TooManyRequestsException; the rest use the cache or the next rule',
    ]);
    expect(result.owners).toEqual(
      new Map([
        [acct(0), { owner: 'zero', source: 'account-tag' }],
        [acct(1), { owner: 'one', source: 'account-tag' }],
      ]),
    );
    expect(stored(records)?.accounts).toEqual({
      [acct(0)]: { value: 'zero', fetchedAt: NOW.toISOString() },
      [acct(1)]: { value: 'one', fetchedAt: NOW.toISOString() },
      [acct(2)]: { value: null, fetchedAt: NOW.toISOString() },
    });
    // The next run starts where this one stopped.
    const next = memoryDirectory({ tags: { [acct(5)]: 'five' } });
    const again = await resolveAccountOwners(
      { directory: async () => next, records },
      { accountIds: ids.slice(0, 10), rules: tagRules, now: later(1) },
    );
    expect(next.tagReads).toEqual(ids.slice(3, 10));
    expect(again.owners.get(acct(5))).toEqual({ owner: 'five', source: 'account-tag' });
    expect(again.owners.get(acct(0))).toEqual({ owner: 'zero', source: 'account-tag' });
  });

  it('lets an account tag beat the OU, and the OU cover an untagged account', async () => {
    const inOu1 = MEMBERS[ou('1')] ?? [];
    const directory = memoryDirectory({ tags: { [inOu1[0] as string]: 'tagged' } });
    const { deps } = setup(directory);
    const result = await resolveAccountOwners(deps, {
      accountIds: inOu1.slice(0, 2),
      rules: { ...tagRules, organizationalUnits: { [ou('1')]: 'platform' } },
      now: NOW,
    });
    expect(result.owners).toEqual(
      new Map([
        [inOu1[0], { owner: 'tagged', source: 'account-tag' }],
        [inOu1[1], { owner: 'platform', source: 'ou' }],
      ]),
    );
  });

  it('reads every tag again after a damaged cache, or a cache of another tag key', async () => {
    const records = memoryRecords({ organization: {}, texts: { [ACCOUNT_TAG_CACHE_KEY]: '{broken' } });
    const directory = memoryDirectory();
    const result = await resolveAccountOwners(
      { directory: async () => directory, records },
      { accountIds: ids.slice(0, 3), rules: tagRules, now: NOW },
    );
    expect(directory.tagReads).toEqual(ids.slice(0, 3));
    expect(result.warnings).toEqual(['the account tag cache is not JSON; every account tag is read again']);
    expect(stored(records)?.tagKey).toBe('Owner');

    const other = memoryDirectory();
    await resolveAccountOwners(
      { directory: async () => other, records },
      { accountIds: ids.slice(0, 3), rules: { ...tagRules, accountTagKey: 'CostOwner' }, now: later(1) },
    );
    expect(other.tagReads).toEqual(ids.slice(0, 3));
    expect(stored(records)?.tagKey).toBe('CostOwner');
  });

  it('drops accounts that left from the cache, and warns when the cache cannot be stored', async () => {
    const records = memoryRecords({ organization: {} });
    await resolveAccountOwners(
      { directory: async () => memoryDirectory(), records },
      { accountIds: ids.slice(0, 3), rules: tagRules, now: NOW },
    );
    const directory = memoryDirectory();
    await resolveAccountOwners(
      { directory: async () => directory, records },
      { accountIds: ids.slice(0, 2), rules: tagRules, now: later(1) },
    );
    expect(directory.tagReads).toEqual([]);
    // Rewritten although nothing was read, because an account left.
    expect(Object.keys(stored(records)?.accounts ?? {})).toEqual(ids.slice(0, 2));

    const failing = {
      ...records,
      putAccountTagCache: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      },
    };
    const result = await resolveAccountOwners(
      { directory: async () => memoryDirectory({ tags: { [acct(7)]: 'seven' } }), records: failing },
      { accountIds: [acct(7)], rules: tagRules, now: later(2) },
    );
    expect(result.owners.get(acct(7))?.owner).toBe('seven');
    expect(result.warnings).toEqual([
      'the account tag cache could not be stored (AccessDenied: denied); the next run reads those tags again',
    ]);
  });
});

describe('planRun with owners', () => {
  const org: OrgAccount[] = [
    { accountId: acct(0), accountName: 'ou1-a', state: 'ACTIVE', email: 'a@example.com' },
    { accountId: acct(20), accountName: 'ou1a-a', state: 'ACTIVE', email: 'b@example.com' },
    { accountId: acct(80), accountName: 'ou2-a', state: 'ACTIVE', email: 'c@example.com' },
    { accountId: acct(1), accountName: 'ou1-suspended', state: 'SUSPENDED', email: 'd@example.com' },
  ];
  const source = (directory: OrganizationDirectory | undefined): OrganizationSource => ({
    viaOrgReaderRole: false,
    listAccounts: async () => org,
    ...(directory === undefined ? {} : { directory: async () => directory }),
  });

  it('writes each audited account’s owner and its source into organization.json', async () => {
    const records = memoryRecords({ organization: {} });
    const result = await planRun(
      {
        organization: source(memoryDirectory({ tags: { [acct(20)]: 'tagged' } })),
        records,
        maxConcurrency: 5,
        telemetry: silentTelemetry,
        owners: rules({ accountTagKey: 'Owner', organizationalUnits: { [ou('1')]: 'platform' } }),
        now: () => NOW,
      },
      { executionName: 'run-1', input: { accountIds: null, dryRun: false, thresholds: {}, reason: null } },
    );
    expect(result.ownerWarnings).toEqual([]);
    const entries = JSON.parse(records.written.get(result.organizationKey) ?? '[]') as OrganizationEntry[];
    const byId = new Map(entries.map((e) => [e.accountId, e]));
    expect(byId.get(acct(0))).toMatchObject({ decision: 'AUDIT', owner: 'platform', ownerSource: 'ou' });
    expect(byId.get(acct(20))).toMatchObject({
      decision: 'AUDIT',
      owner: 'tagged',
      ownerSource: 'account-tag',
    });
    expect(byId.get(acct(80))).not.toHaveProperty('owner');
    expect(byId.get(acct(1))?.decision).toBe('SKIP');
  });

  it('keeps at most 5 owner warnings of at most 300 characters each', async () => {
    // Seven mapped OUs the organization does not have, each a long warning.
    const ghosts = Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`ou-ab12-${String(i).repeat(30)}`, 'ghost']),
    );
    const result = await planRun(
      {
        organization: source(memoryDirectory()),
        records: memoryRecords({ organization: {} }),
        maxConcurrency: 5,
        telemetry: silentTelemetry,
        owners: rules({ organizationalUnits: ghosts }),
        now: () => NOW,
      },
      { executionName: 'run-2', input: { accountIds: null, dryRun: false, thresholds: {}, reason: null } },
    );
    expect(result.ownerWarnings).toHaveLength(5);
    for (const w of result.ownerWarnings) expect(w.length).toBeLessThanOrEqual(300);
    expect(result.ownerWarnings[0]).toContain(`ou-ab12-${'0'.repeat(30)}`);
  });

  it('cuts a long warning to 300 characters ending in an ellipsis', async () => {
    const longName = 'x'.repeat(400);
    const result = await planRun(
      {
        organization: {
          viaOrgReaderRole: false,
          listAccounts: async () => org,
          directory: async () => {
            throw new Error(longName);
          },
        },
        records: memoryRecords({ organization: {} }),
        maxConcurrency: 5,
        telemetry: silentTelemetry,
        owners: rules({ accountTagKey: 'Owner' }),
        now: () => NOW,
      },
      { executionName: 'run-3', input: { accountIds: null, dryRun: false, thresholds: {}, reason: null } },
    );
    expect(result.ownerWarnings).toHaveLength(1);
    expect(result.ownerWarnings[0]).toHaveLength(300);
    expect(result.ownerWarnings[0]?.endsWith('…')).toBe(true);
    expect(result.ownerWarnings[0]?.startsWith('account owners could not be read (Error: xxx')).toBe(true);
  });

  it('warns when owners need Organizations but the deployment has no directory, and is silent without such rules', async () => {
    const plan = (owners: OwnerRules) =>
      planRun(
        {
          organization: source(undefined),
          records: memoryRecords({ organization: {} }),
          maxConcurrency: 5,
          telemetry: silentTelemetry,
          owners,
        },
        { executionName: 'run-4', input: { accountIds: null, dryRun: false, thresholds: {}, reason: null } },
      );
    expect((await plan(rules({ accountTagKey: 'Owner' }))).ownerWarnings).toEqual([
      'account owners are configured but this deployment cannot read them',
    ]);
    expect((await plan(DEFAULT_OWNER_RULES)).ownerWarnings).toEqual([]);
  });
});
