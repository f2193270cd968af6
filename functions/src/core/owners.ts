/**
 * Owners (docs/owners.md): whose list a finding belongs on, so that each team gets its own short
 * digest. A finding's owner is the first of these that is configured and says something:
 *   1. the IAM user's owner tag (`userTagKey`, default `owner`), read with the user's other tags;
 *   2. the member account's tag from Organizations (`accountTagKey`, off unless configured);
 *   3. the nearest enclosing OU in the `organizationalUnits` map;
 *   4. the security team (`securityTeam`), which also receives every finding in its full digest.
 */
import * as z from 'zod/mini';
import { InvalidInputError } from './errors';
import './zod-messages';

export type OwnerSource = 'user-tag' | 'account-tag' | 'ou' | 'default';

/** What an account contributes to owner resolution: steps 2 and 3, decided when the run is planned. */
export interface AccountOwner {
  readonly owner: string;
  readonly source: 'account-tag' | 'ou';
}

export interface ResolvedOwner {
  readonly owner: string;
  readonly source: OwnerSource;
}

/** An owner is an SNS message attribute value and a file name in the demo's out/: keep it plain. */
export const OWNER_NAME_PATTERN = /^[\p{L}\p{N} _.:/=+@-]{1,128}$/u;
const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{N} _.:/=+@-]{1,128}$/u;

export const DEFAULT_SECURITY_TEAM = 'security-team';
export const DEFAULT_USER_OWNER_TAG_KEY = 'owner';

export interface AccountTagLimits {
  /**
   * How long a fetched account tag is trusted before it is read again: each account's value for
   * 75-100 % of this (tagLifetimeMs), so they do not all expire together. @default 336 (14 days)
   */
  readonly ttlHours: number;
  /**
   * At most this many ListTagsForResource calls per run; the rest wait for later runs. With the
   * defaults, 10,000 accounts are all read within 10 daily runs, and then about 800 a day expire
   * (tagLifetimeMs spreads them; measured by `pnpm bench`), mostly under the cap. @default 1000
   */
  readonly maxPerRun: number;
  /**
   * Pace of ListTagsForResource: Organizations' rate limit is low and shared. 1,000 calls at 5/s
   * take 200 s, inside the ListAccounts function's 10 minutes. @default 5
   */
  readonly requestsPerSecond: number;
}

export interface OwnerRules {
  /** The IAM user tag naming the owner; null turns step 1 off. */
  readonly userTagKey: string | null;
  /** The Organizations account tag naming the owner; null (the default) turns step 2 off. */
  readonly accountTagKey: string | null;
  /** OU id → owner; an account belongs to its nearest mapped ancestor OU. */
  readonly organizationalUnits: Readonly<Record<string, string>>;
  /** The fallback owner, and the name the security team's digest is filed under. */
  readonly securityTeam: string;
  /** Owners with a subscription (the deployment's `owners.endpoints`): only they get their own digest. */
  readonly routed: readonly string[];
  readonly accountTags: AccountTagLimits;
}

export const DEFAULT_OWNER_RULES: OwnerRules = {
  userTagKey: DEFAULT_USER_OWNER_TAG_KEY,
  accountTagKey: null,
  organizationalUnits: {},
  securityTeam: DEFAULT_SECURITY_TEAM,
  routed: [],
  accountTags: { ttlHours: 336, maxPerRun: 1000, requestsPerSecond: 5 },
};

const ownerName = z
  .string()
  .check(
    z.regex(
      OWNER_NAME_PATTERN,
      'must be 1-128 letters, digits, spaces or _.:/=+@- (it becomes an SNS message attribute)',
    ),
  );
const tagKey = z
  .string()
  .check(z.regex(TAG_KEY_PATTERN, 'must be a tag key: 1-128 letters, digits, spaces or _.:/=+@-'));

export const OwnerRulesSchema = z.strictObject({
  userTagKey: z._default(z.nullable(tagKey), DEFAULT_USER_OWNER_TAG_KEY),
  accountTagKey: z._default(z.nullable(tagKey), null),
  organizationalUnits: z._default(
    z.record(z.string().check(z.regex(OU_ID_PATTERN, 'must be an OU id like "ou-ab12-cd34ef56"')), ownerName),
    {},
  ),
  securityTeam: z._default(ownerName, DEFAULT_SECURITY_TEAM),
  routed: z._default(z.array(ownerName), []),
  accountTags: z._default(
    z.strictObject({
      ttlHours: z._default(z.int().check(z.minimum(1), z.maximum(24 * 365)), 336),
      maxPerRun: z._default(z.int().check(z.minimum(0), z.maximum(100_000)), 1000),
      requestsPerSecond: z._default(z.number().check(z.positive(), z.maximum(100)), 5),
    }),
    { ttlHours: 336, maxPerRun: 1000, requestsPerSecond: 5 },
  ),
});

export type OwnerRulesInput = z.input<typeof OwnerRulesSchema>;

/** Validates owner rules (the deployment config's `owners`, or OWNERS_JSON); names the bad field. */
export function parseOwnerRules(raw: unknown, where: string): OwnerRules {
  if (raw === undefined || raw === null) return DEFAULT_OWNER_RULES;
  const parsed = OwnerRulesSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return `${where}${path ? `.${path}` : ''} ${
        issue.code === 'unrecognized_keys'
          ? `has unknown field(s) ${issue.keys.join(', ')}; remove them or fix the spelling`
          : // A bad record key (an OU id) carries its own check's message inside; zod's is only "Invalid key in record".
            issue.code === 'invalid_key'
            ? issue.issues.map((inner) => inner.message).join('; ')
            : issue.message
      }`;
    });
    throw new InvalidInputError(`Invalid owner rules:\n  - ${lines.join('\n  - ')}`);
  }
  return parsed.data;
}

function cleanOwner(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return OWNER_NAME_PATTERN.test(trimmed) ? trimmed : null;
}

/** Step 1: the user's owner tag, when the rules read one and the value is usable. */
export function ownerFromUserTags(
  tags: Readonly<Record<string, string>> | undefined,
  rules: Pick<OwnerRules, 'userTagKey'>,
): string | null {
  if (rules.userTagKey === null || tags === undefined || !Object.hasOwn(tags, rules.userTagKey)) return null;
  return cleanOwner(tags[rules.userTagKey]);
}

/**
 * Steps 2 and 3 for one account: its owner tag (when read), else the nearest mapped OU of its
 * ancestry (`ouPath` lists OU ids from the root down to the account's parent).
 */
export function ownerOfAccount(
  account: { readonly tagValue: string | null; readonly ouPath: readonly string[] },
  rules: Pick<OwnerRules, 'organizationalUnits'>,
): AccountOwner | null {
  const tagged = cleanOwner(account.tagValue);
  if (tagged !== null) return { owner: tagged, source: 'account-tag' };
  for (let i = account.ouPath.length - 1; i >= 0; i--) {
    const ou = account.ouPath[i] as string;
    if (Object.hasOwn(rules.organizationalUnits, ou)) {
      return { owner: rules.organizationalUnits[ou] as string, source: 'ou' };
    }
  }
  return null;
}

/** The whole order: user tag, account owner, security team. */
export function resolveOwner(
  finding: { readonly ownerTag?: string | undefined },
  account: AccountOwner | null | undefined,
  rules: Pick<OwnerRules, 'securityTeam'>,
): ResolvedOwner {
  const tagged = cleanOwner(finding.ownerTag);
  if (tagged !== null) return { owner: tagged, source: 'user-tag' };
  if (account) return { owner: account.owner, source: account.source };
  return { owner: rules.securityTeam, source: 'default' };
}

/** Owners that get their own digest: routed, and not the security team (which gets the full one). */
export function isRoutedOwner(owner: string, rules: Pick<OwnerRules, 'routed' | 'securityTeam'>): boolean {
  return owner !== rules.securityTeam && rules.routed.includes(owner);
}

/** The SNS message attribute that carries an owner digest's owner; the full digest has none. */
export const OWNER_MESSAGE_ATTRIBUTE = 'owner';

/**
 * The subscription filter policy for an owner's endpoint, and for the security team's (which must
 * not receive every owner's digest on top of the full one).
 */
export function ownerFilterPolicy(owner: string): Record<string, unknown> {
  return { [OWNER_MESSAGE_ATTRIBUTE]: [owner] };
}
export const SECURITY_TEAM_FILTER_POLICY: Readonly<Record<string, unknown>> = {
  [OWNER_MESSAGE_ATTRIBUTE]: [{ exists: false }],
};

/**
 * The account-tag cache (`owners/account-tags.json` in the report bucket): one Organizations call
 * per account is expensive at 10,000 accounts, so each value is kept for up to `ttlHours` (see
 * tagLifetimeMs) and only missing or stale ones are read again, at most `maxPerRun` per run
 * (missing first, then the stalest), which spreads the refresh over runs instead of re-reading
 * every account at once.
 */
export const ACCOUNT_TAG_CACHE_SCHEMA_VERSION = 1 as const;

export interface AccountTagCache {
  readonly schemaVersion: typeof ACCOUNT_TAG_CACHE_SCHEMA_VERSION;
  /** The tag key the values are of: a cache of another key is worthless. */
  readonly tagKey: string;
  /** Account id → the tag's value (null: the account has no such tag) and when it was read. */
  readonly accounts: Readonly<Record<string, { readonly value: string | null; readonly fetchedAt: string }>>;
}

const accountTagCacheSchema = z.object({
  schemaVersion: z.literal(ACCOUNT_TAG_CACHE_SCHEMA_VERSION),
  tagKey: z.string(),
  accounts: z.record(
    z.string().check(z.regex(/^\d{12}$/)),
    z.object({ value: z.nullable(z.string()), fetchedAt: z.iso.datetime() }),
  ),
});

/** A damaged cache is only a cost (the tags are read again), never an error. */
export function parseAccountTagCache(
  text: string,
  tagKey: string,
): { readonly cache: AccountTagCache | null; readonly problem: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { cache: null, problem: 'the account tag cache is not JSON; every account tag is read again' };
  }
  const parsed = accountTagCacheSchema.safeParse(json);
  if (!parsed.success) {
    return { cache: null, problem: 'the account tag cache is unreadable; every account tag is read again' };
  }
  if (parsed.data.tagKey !== tagKey) return { cache: null, problem: null };
  return { cache: parsed.data as AccountTagCache, problem: null };
}

/**
 * How long one account's tag is trusted: between 75 % and 100 % of ttlHours, fixed per account.
 * Values read on the same day would otherwise all expire on the same later day, and the refresh
 * would come back in bursts at the per-run cap instead of a steady share of the organization
 * each day (at 10,000 accounts and 14 days, `pnpm bench` measures about 800 reads a day once
 * the first fill has passed, with one run a day).
 */
export function tagLifetimeMs(accountId: string, ttlHours: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < accountId.length; i++) {
    hash ^= accountId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.floor(ttlHours * 3_600_000 * (0.75 + 0.25 * (hash / 2 ** 32)));
}

export interface TagRefreshPlan {
  /** Accounts to read now, in order: never read before first, then the stalest. */
  readonly fetch: readonly string[];
  /** Accounts with no value yet, and none read this run: their owner falls to the OU map. */
  readonly unknown: readonly string[];
  /** Accounts whose cached value is used although stale, because the per-run cap was reached. */
  readonly stale: readonly string[];
}

export function planTagRefresh(
  accountIds: readonly string[],
  cache: AccountTagCache | null,
  limits: Pick<AccountTagLimits, 'ttlHours' | 'maxPerRun'>,
  now: Date,
): TagRefreshPlan {
  const missing: string[] = [];
  const expired: { id: string; at: number }[] = [];
  for (const id of accountIds) {
    const entry = cache?.accounts[id];
    if (entry === undefined) missing.push(id);
    else {
      const at = Date.parse(entry.fetchedAt);
      if (!(now.getTime() - at < tagLifetimeMs(id, limits.ttlHours))) expired.push({ id, at });
    }
  }
  expired.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const ordered = [...missing, ...expired.map((e) => e.id)];
  const fetch = ordered.slice(0, limits.maxPerRun);
  const left = ordered.slice(limits.maxPerRun);
  const missingSet = new Set(missing);
  return {
    fetch,
    unknown: left.filter((id) => missingSet.has(id)),
    stale: left.filter((id) => !missingSet.has(id)),
  };
}

/** The cache after a run: fresh values over the old ones; accounts that left the organization dropped. */
export function updateAccountTagCache(
  previous: AccountTagCache | null,
  tagKey: string,
  accountIds: readonly string[],
  fetched: ReadonlyMap<string, string | null>,
  now: Date,
): AccountTagCache {
  const at = now.toISOString();
  const accounts: Record<string, { value: string | null; fetchedAt: string }> = {};
  for (const id of accountIds) {
    if (fetched.has(id)) accounts[id] = { value: fetched.get(id) ?? null, fetchedAt: at };
    else {
      const old = previous?.accounts[id];
      if (old !== undefined) accounts[id] = { value: old.value, fetchedAt: old.fetchedAt };
    }
  }
  return { schemaVersion: ACCOUNT_TAG_CACHE_SCHEMA_VERSION, tagKey, accounts };
}

/** For messages that must name the field: the rules of a config written in a file. */
export function describeOwnerRules(rules: OwnerRules): string {
  const steps = [
    rules.userTagKey === null ? null : `user tag "${rules.userTagKey}"`,
    rules.accountTagKey === null ? null : `account tag "${rules.accountTagKey}"`,
    Object.keys(rules.organizationalUnits).length === 0
      ? null
      : `${Object.keys(rules.organizationalUnits).length} mapped OU(s)`,
    `then ${rules.securityTeam}`,
  ].filter((s): s is string => s !== null);
  return steps.join(', ');
}
