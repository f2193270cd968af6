/**
 * Changes to the organization's tree made from outside the audit, for the admin API: what an
 * administrator does in the Organizations console between two runs (retags an account's owner,
 * moves an account to another OU), so a multi-day test can change owners between runs.
 */
import {
  type AccountRecord,
  findOrganizationalUnitByPath,
  type OrganizationRecord,
  parentPath,
} from './model';
import { orgTagsSchema } from './spec';

export class OrgChangeError extends Error {
  override readonly name = 'OrgChangeError';
  constructor(
    message: string,
    /** The HTTP status the admin API answers with. */
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

/** An account's place and tags, as the admin API answers them. */
export interface AccountPlacement {
  readonly accountId: string;
  readonly parentId: string;
  /** The OU path (`Workloads/Prod`); '' directly under the root. */
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
}

export function placement(org: OrganizationRecord, account: AccountRecord): AccountPlacement {
  return {
    accountId: account.id,
    parentId: account.parentId,
    path: parentPath(org, account.parentId),
    tags: Object.fromEntries(account.tags),
  };
}

/**
 * Sets (a string) or removes (null) the given tags of an account; with `replace`, the account
 * keeps only the given ones. Keys and values follow Organizations' rules (spec.ts, orgTagsSchema).
 */
export function setAccountTags(
  account: AccountRecord,
  changes: Readonly<Record<string, string | null>>,
  replace: boolean,
): void {
  const next = new Map(replace ? [] : account.tags);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  const checked = orgTagsSchema.safeParse(Object.fromEntries(next));
  if (!checked.success) {
    const details = checked.error.issues.map((i) => `${i.path.join('.') || 'tags'}: ${i.message}`).join('; ');
    throw new OrgChangeError(`invalid tags (${details})`, 400);
  }
  account.tags.clear();
  for (const [key, value] of next) account.tags.set(key, value);
}

/**
 * Moves an account under the root or an OU, named by id (`r-…`, `ou-…`) or by OU path
 * (`Workloads/Prod`; '' is the root), as MoveAccount would.
 */
export function moveAccount(
  org: OrganizationRecord,
  account: AccountRecord,
  target: { readonly parentId?: string; readonly path?: string },
): void {
  if (target.parentId !== undefined) {
    if (target.parentId !== org.root.id && !org.organizationalUnits.has(target.parentId)) {
      throw new OrgChangeError(`no root or OU ${target.parentId}`, 404);
    }
    account.parentId = target.parentId;
    return;
  }
  if (target.path === undefined) throw new OrgChangeError('give a parentId or an OU path', 400);
  if (target.path === '') {
    account.parentId = org.root.id;
    return;
  }
  const ou = findOrganizationalUnitByPath(org, target.path);
  if (ou === undefined) throw new OrgChangeError(`no OU ${target.path}`, 404);
  account.parentId = ou.id;
}
