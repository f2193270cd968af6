/**
 * Account owners (core/owners.ts, steps 2 and 3), decided once per run when it is planned:
 * - OU membership costs O(number of OUs) Organizations calls: the tree is walked once from the
 *   root, and accounts are listed only under OUs the configuration maps (never per account).
 * - Account tags cost one call per account against a low shared rate limit: they come from the
 *   cache in the report bucket, and only missing or stale ones are read, at most `maxPerRun`.
 * Owners only annotate findings, so a failed lookup never fails the audit: the affected
 * findings fall to the next rule, and the digest says why in a run warning.
 */
import {
  type AccountOwner,
  type AccountTagCache,
  type OwnerRules,
  ownerOfAccount,
  planTagRefresh,
  updateAccountTagCache,
} from '../core/owners';
import type { OrganizationDirectory, RunRecords } from './ports';

export interface AccountOwnersRequest {
  /** Every account of the organization (the tag cache keeps only these). */
  readonly accountIds: readonly string[];
  readonly rules: OwnerRules;
  readonly now: Date;
  /**
   * How long tag reads may take in all. The ListAccounts function's timeout leaves room for
   * 1.2 x maxPerRun / requestsPerSecond (infra/lib/owners.ts); the pacer slows down on throttling,
   * so without a deadline a throttled run could outlive its function. @default that budget
   */
  readonly tagBudgetMs?: number;
}

export interface AccountOwnersResult {
  /** Account id → its owner; accounts without one are absent (their findings go to the user tag or the security team). */
  readonly owners: ReadonlyMap<string, AccountOwner>;
  readonly warnings: readonly string[];
  /** Organizations calls made, by action: what owners cost this run. */
  readonly apiCalls: Readonly<Record<string, number>>;
}

export interface AccountOwnersDependencies {
  /** Opened only when a rule needs Organizations, so a run without OU or tag rules makes no call. */
  readonly directory: () => Promise<OrganizationDirectory>;
  readonly records: Pick<RunRecords, 'readAccountTagCache' | 'putAccountTagCache'>;
  /** Milliseconds from any origin, for the tag-read deadline. @default performance.now */
  readonly monotonic?: () => number;
}

/** The time tag reads may take by default: the share of the function timeout kept for them. */
export function defaultTagBudgetMs(limits: OwnerRules['accountTags']): number {
  return Math.ceil((1.2 * limits.maxPerRun * 1000) / limits.requestsPerSecond);
}

function why(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** OU path (root-first OU ids, the OU itself last) of every OU, from one walk of the tree. */
async function ouPaths(directory: OrganizationDirectory): Promise<Map<string, readonly string[]>> {
  const paths = new Map<string, readonly string[]>();
  const queue: { id: string; path: readonly string[] }[] = (await directory.roots()).map((id) => ({
    id,
    path: [],
  }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of await directory.childOrganizationalUnits(next.id)) {
      // An OU reached twice would mean a cycle in a tree: walk it once.
      if (paths.has(child)) continue;
      const path = [...next.path, child];
      paths.set(child, path);
      queue.push({ id: child, path });
    }
  }
  return paths;
}

/** Accounts under the mapped OUs, each with its OU path; only mapped subtrees are listed. */
async function mappedOuMembership(
  directory: OrganizationDirectory,
  rules: OwnerRules,
  warnings: string[],
): Promise<Map<string, readonly string[]>> {
  const mapped = new Set(Object.keys(rules.organizationalUnits));
  const paths = await ouPaths(directory);
  for (const ou of mapped) {
    if (!paths.has(ou)) {
      warnings.push(
        `owners.organizationalUnits names ${ou}, which is not an OU of this organization; its owner gets no findings (fix the OU id)`,
      );
    }
  }
  const membership = new Map<string, readonly string[]>();
  for (const [ou, path] of paths) {
    if (!path.some((id) => mapped.has(id))) continue;
    for (const accountId of await directory.accountsIn(ou)) membership.set(accountId, path);
  }
  return membership;
}

async function accountTagValues(
  deps: AccountOwnersDependencies,
  directory: OrganizationDirectory,
  request: AccountOwnersRequest,
  tagKey: string,
  warnings: string[],
): Promise<Map<string, string | null>> {
  const { rules, now, accountIds } = request;
  const read = await deps.records.readAccountTagCache(tagKey);
  if (read.problem !== null) warnings.push(read.problem);
  const cache: AccountTagCache | null = read.cache;
  const plan = planTagRefresh(accountIds, cache, rules.accountTags, now);
  const fetched = new Map<string, string | null>();
  const monotonic = deps.monotonic ?? (() => performance.now());
  const deadline = monotonic() + (request.tagBudgetMs ?? defaultTagBudgetMs(rules.accountTags));
  try {
    for (const accountId of plan.fetch) {
      if (monotonic() >= deadline) {
        warnings.push(
          `account owner tags: the time for reading them ran out after ${fetched.size} of ${plan.fetch.length} (Organizations slowed us down); the rest are read by later runs`,
        );
        break;
      }
      fetched.set(accountId, await directory.accountTag(accountId, tagKey));
    }
  } catch (error) {
    warnings.push(
      `account owner tags: ${fetched.size} of ${plan.fetch.length} read before ${why(error)}; the rest use the cache or the next rule`,
    );
  }
  if (plan.unknown.length > 0) {
    warnings.push(
      `account owner tags of ${plan.unknown.length} account(s) are not read yet (at most ${rules.accountTags.maxPerRun} per run); their findings use the OU map or the security team until a later run reads them`,
    );
  }
  const updated = updateAccountTagCache(cache, tagKey, accountIds, fetched, now);
  // One PUT per run at most, and none when nothing changed.
  const changed =
    fetched.size > 0 ||
    cache === null ||
    Object.keys(cache.accounts).length !== Object.keys(updated.accounts).length;
  if (changed) {
    try {
      await deps.records.putAccountTagCache(updated);
    } catch (error) {
      warnings.push(
        `the account tag cache could not be stored (${why(error)}); the next run reads those tags again`,
      );
    }
  }
  return new Map(Object.entries(updated.accounts).map(([id, entry]) => [id, entry.value]));
}

export async function resolveAccountOwners(
  deps: AccountOwnersDependencies,
  request: AccountOwnersRequest,
): Promise<AccountOwnersResult> {
  const { rules } = request;
  const wantsOus = Object.keys(rules.organizationalUnits).length > 0;
  const tagKey = rules.accountTagKey;
  if (!wantsOus && tagKey === null) return { owners: new Map(), warnings: [], apiCalls: {} };

  const warnings: string[] = [];
  let directory: OrganizationDirectory;
  try {
    directory = await deps.directory();
  } catch (error) {
    warnings.push(
      `account owners could not be read (${why(error)}); findings go by user tag or to the security team`,
    );
    return { owners: new Map(), warnings, apiCalls: {} };
  }

  let membership = new Map<string, readonly string[]>();
  if (wantsOus) {
    try {
      membership = await mappedOuMembership(directory, rules, warnings);
    } catch (error) {
      warnings.push(`the OU owners could not be read (${why(error)}); no finding is routed by OU this run`);
    }
  }
  const tags =
    tagKey === null
      ? new Map<string, string | null>()
      : await accountTagValues(deps, directory, request, tagKey, warnings);

  const owners = new Map<string, AccountOwner>();
  for (const accountId of request.accountIds) {
    const owner = ownerOfAccount(
      { tagValue: tags.get(accountId) ?? null, ouPath: membership.get(accountId) ?? [] },
      rules,
    );
    if (owner !== null) owners.set(accountId, owner);
  }
  return { owners, warnings, apiCalls: directory.apiCalls() };
}
