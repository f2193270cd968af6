/**
 * Owners (core/owners.ts): the resolution order, the rules' validation, and the account-tag
 * cache's refresh plan. Expected values follow from the order in the file header (user tag,
 * account tag, nearest mapped OU, security team) and the planted data.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import type { PrincipalCredentials } from '../../src/core/model';
import {
  type AccountTagCache,
  DEFAULT_OWNER_RULES,
  describeOwnerRules,
  isRoutedOwner,
  type OwnerRules,
  ownerFilterPolicy,
  ownerFromUserTags,
  ownerOfAccount,
  parseAccountTagCache,
  parseOwnerRules,
  planTagRefresh,
  resolveOwner,
  SECURITY_TEAM_FILTER_POLICY,
  tagLifetimeMs,
  updateAccountTagCache,
} from '../../src/core/owners';
import { evaluatePrincipal } from '../../src/core/policy';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';

const OU_ROOT_CHILD = 'ou-ab12-aaaaaaaa';
const OU_MIDDLE = 'ou-ab12-bbbbbbbb';
const OU_LEAF = 'ou-ab12-cccccccc';

const rules = (overrides: Partial<OwnerRules> = {}): OwnerRules => ({ ...DEFAULT_OWNER_RULES, ...overrides });

describe('resolution order', () => {
  const ouRules = rules({
    organizationalUnits: { [OU_ROOT_CHILD]: 'platform', [OU_LEAF]: 'payments' },
  });

  it('the user tag beats the account tag, the account tag beats the OU, the OU beats the security team', () => {
    const tagged = ownerOfAccount({ tagValue: 'data-team', ouPath: [OU_ROOT_CHILD] }, ouRules);
    expect(tagged).toEqual({ owner: 'data-team', source: 'account-tag' });
    // 1. user tag first, whatever the account says.
    expect(resolveOwner({ ownerTag: 'alice-team' }, tagged, ouRules)).toEqual({
      owner: 'alice-team',
      source: 'user-tag',
    });
    // 2. no user tag: the account tag.
    expect(resolveOwner({}, tagged, ouRules)).toEqual({ owner: 'data-team', source: 'account-tag' });
    // 3. no account tag: the OU.
    const byOu = ownerOfAccount({ tagValue: null, ouPath: [OU_ROOT_CHILD] }, ouRules);
    expect(byOu).toEqual({ owner: 'platform', source: 'ou' });
    expect(resolveOwner({}, byOu, ouRules)).toEqual({ owner: 'platform', source: 'ou' });
    // 4. nothing: the security team.
    expect(resolveOwner({}, null, ouRules)).toEqual({ owner: 'security-team', source: 'default' });
    expect(resolveOwner({}, undefined, rules({ securityTeam: 'sec-ops' }))).toEqual({
      owner: 'sec-ops',
      source: 'default',
    });
  });

  it('the deepest mapped ancestor wins over a shallower one', () => {
    // root → ROOT_CHILD (platform) → MIDDLE (unmapped) → LEAF (payments) → account
    expect(ownerOfAccount({ tagValue: null, ouPath: [OU_ROOT_CHILD, OU_MIDDLE, OU_LEAF] }, ouRules)).toEqual({
      owner: 'payments',
      source: 'ou',
    });
    // An account in the unmapped middle OU inherits from the nearest mapped ancestor above it.
    expect(ownerOfAccount({ tagValue: null, ouPath: [OU_ROOT_CHILD, OU_MIDDLE] }, ouRules)).toEqual({
      owner: 'platform',
      source: 'ou',
    });
    // No mapped OU on the path: no account owner.
    expect(ownerOfAccount({ tagValue: null, ouPath: [OU_MIDDLE] }, ouRules)).toBeNull();
    expect(ownerOfAccount({ tagValue: null, ouPath: [] }, ouRules)).toBeNull();
  });

  it('ignores blank and invalid tag values and falls to the next rule', () => {
    for (const bad of ['', '   ', 'two\nlines', 'semi;colon', 'x'.repeat(129)]) {
      expect(ownerOfAccount({ tagValue: bad, ouPath: [OU_LEAF] }, ouRules)).toEqual({
        owner: 'payments',
        source: 'ou',
      });
      expect(resolveOwner({ ownerTag: bad }, null, ouRules)).toEqual({
        owner: 'security-team',
        source: 'default',
      });
      expect(ownerFromUserTags({ owner: bad }, { userTagKey: 'owner' })).toBeNull();
    }
    // Surrounding spaces are trimmed, not a reason to ignore the value.
    expect(ownerOfAccount({ tagValue: '  data-team ', ouPath: [] }, ouRules)).toEqual({
      owner: 'data-team',
      source: 'account-tag',
    });
    expect(resolveOwner({ ownerTag: ' team-x ' }, null, ouRules)).toEqual({
      owner: 'team-x',
      source: 'user-tag',
    });
    expect(ownerFromUserTags({ owner: 'x'.repeat(128) }, { userTagKey: 'owner' })).toBe('x'.repeat(128));
  });

  it('reads the configured user tag key only, and none when userTagKey is null', () => {
    const tags = { owner: 'team-a', Team: 'team-b' };
    expect(ownerFromUserTags(tags, { userTagKey: 'owner' })).toBe('team-a');
    expect(ownerFromUserTags(tags, { userTagKey: 'Team' })).toBe('team-b');
    expect(ownerFromUserTags(tags, { userTagKey: 'missing' })).toBeNull();
    expect(ownerFromUserTags(tags, { userTagKey: null })).toBeNull();
    expect(ownerFromUserTags(undefined, { userTagKey: 'owner' })).toBeNull();
    // An inherited property is not a tag.
    expect(ownerFromUserTags({}, { userTagKey: 'toString' })).toBeNull();
  });

  it('the policy puts the user tag on the finding as ownerTag, and not at all with a null key', () => {
    const principal: PrincipalCredentials = {
      userName: 'deploy',
      userArn: 'arn:aws:iam::111111111111:user/deploy',
      isRoot: false,
      tags: { owner: 'team-a' },
      keys: [
        {
          slot: 1,
          accessKeyId: 'AKIAOWNERTEST0000001',
          status: 'Active',
          createdAt: new Date('2026-01-01T00:00:00Z'),
          lastUsedAt: new Date('2026-11-30T00:00:00Z'),
          lastUsedService: 's3',
          lastUsedRegion: 'eu-west-1',
        },
      ],
    };
    const ctx = {
      accountId: '111111111111',
      now: new Date('2026-12-01T00:00:00Z'),
      thresholds: DEFAULT_THRESHOLDS,
      configExemptions: [],
    };
    const withKey = evaluatePrincipal(principal, { ...ctx, ownerTagKey: 'owner' }).findings;
    expect(withKey.length).toBeGreaterThan(0);
    for (const f of withKey) expect(f.ownerTag).toBe('team-a');
    const without = evaluatePrincipal(principal, { ...ctx, ownerTagKey: null }).findings;
    expect(without.length).toBe(withKey.length);
    for (const f of without) expect(f).not.toHaveProperty('ownerTag');
    // Unset reads none either.
    for (const f of evaluatePrincipal(principal, ctx).findings) expect(f).not.toHaveProperty('ownerTag');
  });
});

describe('routing and filter policies', () => {
  it('routes only owners with a subscription, never the security team', () => {
    const r = rules({ routed: ['payments', 'security-team'] });
    expect(isRoutedOwner('payments', r)).toBe(true);
    expect(isRoutedOwner('platform', r)).toBe(false);
    expect(isRoutedOwner('security-team', r)).toBe(false);
  });

  it('matches an owner digest by its attribute, and keeps owner digests away from the security team', () => {
    expect(ownerFilterPolicy('payments')).toEqual({ owner: ['payments'] });
    expect(SECURITY_TEAM_FILTER_POLICY).toEqual({ owner: [{ exists: false }] });
  });
});

describe('parseOwnerRules', () => {
  it('gives the defaults for an absent configuration and fills in omitted fields', () => {
    expect(parseOwnerRules(undefined, 'OWNERS_JSON')).toEqual(DEFAULT_OWNER_RULES);
    expect(parseOwnerRules(null, 'OWNERS_JSON')).toEqual(DEFAULT_OWNER_RULES);
    expect(parseOwnerRules({}, 'OWNERS_JSON')).toEqual({
      userTagKey: 'owner',
      accountTagKey: null,
      organizationalUnits: {},
      securityTeam: 'security-team',
      routed: [],
      accountTags: { ttlHours: 336, maxPerRun: 1000, requestsPerSecond: 5 },
    });
    const parsed = parseOwnerRules(
      {
        userTagKey: null,
        accountTagKey: 'CostOwner',
        organizationalUnits: { [OU_LEAF]: 'payments' },
        routed: ['payments'],
        accountTags: { maxPerRun: 50 },
      },
      'OWNERS_JSON',
    );
    expect(parsed.userTagKey).toBeNull();
    expect(parsed.accountTagKey).toBe('CostOwner');
    expect(parsed.accountTags).toEqual({ ttlHours: 336, maxPerRun: 50, requestsPerSecond: 5 });
  });

  const error = (raw: unknown, where = 'OWNERS_JSON'): Error => {
    try {
      parseOwnerRules(raw, where);
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected parseOwnerRules to throw');
  };

  it('names the bad OU id, with what an OU id looks like', () => {
    const e = error({ organizationalUnits: { 'ou-bad': 'payments' } });
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('OWNERS_JSON.organizationalUnits.ou-bad');
    expect(e.message).toContain('must be an OU id like "ou-ab12-cd34ef56"');
  });

  it('names the bad owner name of an OU, and the security team', () => {
    const e = error({ organizationalUnits: { [OU_LEAF]: 'bad;name' }, securityTeam: '' });
    expect(e.message).toContain(`OWNERS_JSON.organizationalUnits.${OU_LEAF} must be 1-128 letters`);
    expect(e.message).toContain('OWNERS_JSON.securityTeam must be 1-128 letters');
  });

  it('names unknown fields, at the top and nested, with the place the rules came from', () => {
    const top = error({ routd: ['x'] }, 'config.owners');
    expect(top.message).toContain(
      'config.owners has unknown field(s) routd; remove them or fix the spelling',
    );
    const nested = error({ accountTags: { ttl: 5 } });
    expect(nested.message).toContain('OWNERS_JSON.accountTags has unknown field(s) ttl');
  });

  it('names out-of-range limits and bad routed entries', () => {
    expect(error({ accountTags: { ttlHours: 0 } }).message).toContain('OWNERS_JSON.accountTags.ttlHours');
    expect(error({ accountTags: { maxPerRun: -1 } }).message).toContain('OWNERS_JSON.accountTags.maxPerRun');
    expect(error({ accountTags: { requestsPerSecond: 0 } }).message).toContain(
      'OWNERS_JSON.accountTags.requestsPerSecond',
    );
    expect(error({ routed: ['ok', 'not\nok'] }).message).toContain('OWNERS_JSON.routed.1');
    expect(error({ userTagKey: '' }).message).toContain('OWNERS_JSON.userTagKey must be a tag key');
  });

  it('describes the rules in their order', () => {
    expect(describeOwnerRules(DEFAULT_OWNER_RULES)).toBe('user tag "owner", then security-team');
    expect(
      describeOwnerRules(
        rules({
          userTagKey: null,
          accountTagKey: 'Owner',
          organizationalUnits: { [OU_LEAF]: 'p', [OU_MIDDLE]: 'q' },
        }),
      ),
    ).toBe('account tag "Owner", 2 mapped OU(s), then security-team');
  });
});

// ---------------------------------------------------------------- the account-tag cache

const NOW = new Date('2026-12-01T00:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const acct = (n: number) => String(100000000000 + n);

function cache(
  entries: Record<string, { value: string | null; fetchedAt: string }>,
  tagKey = 'Owner',
): AccountTagCache {
  return { schemaVersion: 1, tagKey, accounts: entries };
}

describe('planTagRefresh', () => {
  const limits = { ttlHours: 24, maxPerRun: 100 };

  it('reads every account on a cold start, none inside three quarters of the TTL', () => {
    const ids = [acct(1), acct(2), acct(3)];
    expect(planTagRefresh(ids, null, limits, NOW)).toEqual({ fetch: ids, unknown: [], stale: [] });
    // Every account's value is trusted for at least 75 % of ttlHours (24 h here): 18 h.
    const fresh = cache(Object.fromEntries(ids.map((id) => [id, { value: 'x', fetchedAt: hoursAgo(17.9) }])));
    expect(planTagRefresh(ids, fresh, limits, NOW)).toEqual({ fetch: [], unknown: [], stale: [] });
    const old = cache(Object.fromEntries(ids.map((id) => [id, { value: 'x', fetchedAt: hoursAgo(24) }])));
    expect(planTagRefresh(ids, old, limits, NOW).fetch).toEqual(ids);
  });

  it('treats a value exactly its lifetime old as stale, and one a millisecond younger as fresh', () => {
    const lifetime = tagLifetimeMs(acct(1), 24);
    const exactly = cache({
      [acct(1)]: { value: 'x', fetchedAt: new Date(NOW.getTime() - lifetime).toISOString() },
    });
    expect(planTagRefresh([acct(1)], exactly, limits, NOW).fetch).toEqual([acct(1)]);
    const younger = cache({
      [acct(1)]: { value: 'x', fetchedAt: new Date(NOW.getTime() - lifetime + 1).toISOString() },
    });
    expect(planTagRefresh([acct(1)], younger, limits, NOW).fetch).toEqual([]);
  });

  it('spreads lifetimes over 75-100 % of the TTL, so values read on one day expire over several', () => {
    const ttlMs = 336 * 3_600_000;
    const lifetimes = Array.from({ length: 1000 }, (_, i) => tagLifetimeMs(acct(i + 1), 336) / ttlMs);
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(0.75);
    expect(Math.max(...lifetimes)).toBeLessThanOrEqual(1);
    // Read together on day 0, they fall due on days 10.5 to 14: no day holds more than half of them.
    const byDay = new Map<number, number>();
    for (const l of lifetimes) byDay.set(Math.floor(l * 14), (byDay.get(Math.floor(l * 14)) ?? 0) + 1);
    expect(byDay.size).toBeGreaterThanOrEqual(4);
    expect(Math.max(...byDay.values())).toBeLessThan(500);
  });

  it('reads missing accounts first, then the stalest, up to maxPerRun', () => {
    // 1 and 4 missing; 2 is 100 h old, 3 is 50 h old, 5 is 30 h old, 6 is fresh.
    const c = cache({
      [acct(2)]: { value: 'a', fetchedAt: hoursAgo(100) },
      [acct(3)]: { value: 'b', fetchedAt: hoursAgo(50) },
      [acct(5)]: { value: null, fetchedAt: hoursAgo(30) },
      [acct(6)]: { value: 'c', fetchedAt: hoursAgo(1) },
    });
    const ids = [acct(1), acct(2), acct(3), acct(4), acct(5), acct(6)];
    expect(planTagRefresh(ids, c, { ttlHours: 24, maxPerRun: 100 }, NOW)).toEqual({
      fetch: [acct(1), acct(4), acct(2), acct(3), acct(5)],
      unknown: [],
      stale: [],
    });
    expect(planTagRefresh(ids, c, { ttlHours: 24, maxPerRun: 3 }, NOW)).toEqual({
      fetch: [acct(1), acct(4), acct(2)],
      unknown: [],
      stale: [acct(3), acct(5)],
    });
    // A cap below the missing ones: the rest of the missing are unknown, every stale one stays stale.
    expect(planTagRefresh(ids, c, { ttlHours: 24, maxPerRun: 1 }, NOW)).toEqual({
      fetch: [acct(1)],
      unknown: [acct(4)],
      stale: [acct(2), acct(3), acct(5)],
    });
    expect(planTagRefresh(ids, c, { ttlHours: 24, maxPerRun: 0 }, NOW)).toEqual({
      fetch: [],
      unknown: [acct(1), acct(4)],
      stale: [acct(2), acct(3), acct(5)],
    });
  });

  it('orders equally stale accounts by id', () => {
    const at = hoursAgo(48);
    const c = cache({ [acct(9)]: { value: 'a', fetchedAt: at }, [acct(3)]: { value: 'b', fetchedAt: at } });
    expect(planTagRefresh([acct(9), acct(3)], c, limits, NOW).fetch).toEqual([acct(3), acct(9)]);
  });
});

describe('parseAccountTagCache', () => {
  const good = cache({ [acct(1)]: { value: 'payments', fetchedAt: hoursAgo(1) } });

  it('reads a cache of the same tag key', () => {
    expect(parseAccountTagCache(JSON.stringify(good), 'Owner')).toEqual({ cache: good, problem: null });
  });

  it('ignores a cache of a different tag key, without a problem (a changed key is no damage)', () => {
    expect(parseAccountTagCache(JSON.stringify(good), 'CostCenter')).toEqual({ cache: null, problem: null });
    // And the plan then reads every account again.
    const parsed = parseAccountTagCache(JSON.stringify(good), 'CostCenter');
    expect(planTagRefresh([acct(1)], parsed.cache, { ttlHours: 24, maxPerRun: 10 }, NOW).fetch).toEqual([
      acct(1),
    ]);
  });

  it('reports a damaged cache as a problem, never an error', () => {
    expect(parseAccountTagCache('{not json', 'Owner')).toEqual({
      cache: null,
      problem: 'the account tag cache is not JSON; every account tag is read again',
    });
    const badId = { ...good, accounts: { '123': { value: 'x', fetchedAt: hoursAgo(1) } } };
    expect(parseAccountTagCache(JSON.stringify(badId), 'Owner').problem).toBe(
      'the account tag cache is unreadable; every account tag is read again',
    );
    expect(parseAccountTagCache(JSON.stringify({ ...good, schemaVersion: 2 }), 'Owner').cache).toBeNull();
  });
});

describe('updateAccountTagCache', () => {
  it('writes fresh values over old ones, keeps the rest, and drops accounts that left', () => {
    const previous = cache({
      [acct(1)]: { value: 'old', fetchedAt: hoursAgo(500) },
      [acct(2)]: { value: 'kept', fetchedAt: hoursAgo(5) },
      [acct(3)]: { value: 'gone', fetchedAt: hoursAgo(5) },
    });
    const fetched = new Map<string, string | null>([
      [acct(1), 'new'],
      [acct(4), null],
    ]);
    // acct(3) left the organization; acct(5) is new and was not read this run.
    const updated = updateAccountTagCache(
      previous,
      'Owner',
      [acct(1), acct(2), acct(4), acct(5)],
      fetched,
      NOW,
    );
    expect(updated).toEqual({
      schemaVersion: 1,
      tagKey: 'Owner',
      accounts: {
        [acct(1)]: { value: 'new', fetchedAt: NOW.toISOString() },
        [acct(2)]: { value: 'kept', fetchedAt: hoursAgo(5) },
        [acct(4)]: { value: null, fetchedAt: NOW.toISOString() },
      },
    });
  });

  it('round-trips through parseAccountTagCache', () => {
    const updated = updateAccountTagCache(null, 'Owner', [acct(1)], new Map([[acct(1), 'x']]), NOW);
    expect(parseAccountTagCache(JSON.stringify(updated), 'Owner').cache).toEqual(updated);
  });
});
