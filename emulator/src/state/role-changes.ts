/**
 * Roles changed behind the product's back, for the admin API: a StackSet instance that was never
 * deployed or was deleted (the role is missing), or a role whose trust policy names someone else.
 * AssumeRole then answers AccessDenied, as AWS does for both.
 */
import { awsId, type Random } from '../random';
import { ROLE_NAME } from './build';
import { KeyChangeError } from './key-changes';
import type { AccountRecord, RoleRecord } from './model';

const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

export interface RoleView {
  readonly roleName: string;
  readonly roleId: string;
  readonly trustedPrincipals: readonly string[];
}

export function listRoles(account: AccountRecord): RoleView[] {
  return [...account.roles.values()].map(view);
}

/** Creates the role, or replaces the principals its trust policy names (the role id is kept). */
export function putRole(
  account: AccountRecord,
  roleName: string,
  trustedPrincipals: readonly string[],
  random: Random,
): RoleView {
  if (!ROLE_NAME.test(roleName)) {
    throw new KeyChangeError(`${roleName} is not an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])`, 409);
  }
  const bad = trustedPrincipals.find((arn) => !ROLE_ARN.test(arn));
  if (bad !== undefined) {
    throw new KeyChangeError(
      `trustedPrincipals: ${bad} is not a role ARN (arn:aws:iam::<account>:role/<name>)`,
      409,
    );
  }
  const role: RoleRecord = {
    roleName,
    roleId: account.roles.get(roleName)?.roleId ?? awsId(random, 'AROA'),
    trustedPrincipals: [...trustedPrincipals],
  };
  account.roles.set(roleName, role);
  return view(role);
}

export function deleteRole(account: AccountRecord, roleName: string): RoleView {
  const role = account.roles.get(roleName);
  if (role === undefined) throw new KeyChangeError(`account ${account.id} has no role ${roleName}`, 404);
  account.roles.delete(roleName);
  return view(role);
}

function view(role: RoleRecord): RoleView {
  return { roleName: role.roleName, roleId: role.roleId, trustedPrincipals: [...role.trustedPrincipals] };
}
