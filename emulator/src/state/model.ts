/**
 * The emulated organization. Kept compact (epoch milliseconds, arrays, one Map of credentials)
 * because a benchmark holds 10,000 accounts × 20 users in memory.
 *
 * Records are mutable on purpose: they are the emulator's database, changed by API calls.
 */

export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
export const ACCOUNT_STATES: readonly AccountState[] = [
  'PENDING_ACTIVATION',
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
];

export interface KeyRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  status: 'Active' | 'Inactive';
  readonly createdAt: number;
  lastUsedAt: number | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

export interface TagRecord {
  readonly Key: string;
  readonly Value: string;
}

export interface UserRecord {
  readonly userName: string;
  readonly userId: string;
  readonly createdAt: number;
  /** Null: no console password. */
  readonly passwordLastUsedAt: number | null | 'never';
  readonly keys: KeyRecord[];
  readonly tags: TagRecord[];
}

export interface RoleRecord {
  readonly roleName: string;
  readonly roleId: string;
  /** Role ARNs allowed to assume this role (the trust policy's AWS principals). */
  readonly trustedPrincipals: readonly string[];
}

export interface ReportGeneration {
  /** Emulated time of the snapshot: the report's GeneratedTime. */
  readonly generatedAt: number;
  /** Real (wall-clock) time from which the report is COMPLETE. */
  readonly readyAtRealMs: number;
  /** The CSV, rendered once at generation: a report is a snapshot. */
  readonly csv: string;
}

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  state: AccountState;
  readonly joinedAt: number;
  readonly joinedMethod: 'INVITED' | 'CREATED';
  readonly users: UserRecord[];
  readonly roles: Map<string, RoleRecord>;
  readonly rootKeys: KeyRecord[];
  readonly rootMfa: boolean;
  report: ReportGeneration | null;
  /** The root's or an OU's id: where ListAccountsForParent finds the account. */
  parentId: string;
  /** Organizations tags on the account (ListTagsForResource), key → value. */
  readonly tags: Map<string, string>;
}

/** An organizational unit: a node of the tree under the root. */
export interface OrganizationalUnitRecord {
  /** `ou-<the root id's part>-<8 to 32 lowercase letters or digits>`, as AWS forms them. */
  readonly id: string;
  readonly name: string;
  /** The root's or another OU's id. */
  readonly parentId: string;
  readonly tags: Map<string, string>;
}

export interface RootRecord {
  /** `r-` and 4 to 32 lowercase letters or digits. */
  readonly id: string;
  readonly name: string;
  readonly tags: Map<string, string>;
}

export type Principal =
  | { readonly kind: 'user'; readonly accountId: string; readonly userName: string }
  | { readonly kind: 'root'; readonly accountId: string }
  | {
      readonly kind: 'role';
      readonly accountId: string;
      readonly roleName: string;
      readonly sessionName: string;
      /** Emulated epoch ms; null for the auditor's long-lived keys. */
      readonly expiresAt: number | null;
      readonly sessionToken: string | null;
    };

export interface CredentialRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly principal: Principal;
}

export interface OrganizationRecord {
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly delegatedAdministrators: Set<string>;
  /** Insertion order is ListAccounts order. */
  readonly accounts: Map<string, AccountRecord>;
  /** Every access key id the emulator knows: users', roots', sessions', the auditor's. */
  readonly credentials: Map<string, CredentialRecord>;
  /** The organization's one root (AWS has exactly one). */
  readonly root: RootRecord;
  /** Insertion order is ListOrganizationalUnitsForParent order; parents come before children. */
  readonly organizationalUnits: Map<string, OrganizationalUnitRecord>;
}

export function createOrganization(
  organizationId: string,
  managementAccountId: string,
  rootId: string,
): OrganizationRecord {
  return {
    organizationId,
    managementAccountId,
    delegatedAdministrators: new Set(),
    accounts: new Map(),
    credentials: new Map(),
    root: { id: rootId, name: 'Root', tags: new Map() },
    organizationalUnits: new Map(),
  };
}

/** `Workloads/Prod` for an OU (names from the root down, joined by `/`); '' for the root. */
export function parentPath(org: OrganizationRecord, parentId: string): string {
  const names: string[] = [];
  for (let id = parentId; id !== org.root.id; ) {
    const ou = org.organizationalUnits.get(id);
    if (ou === undefined) break;
    names.unshift(ou.name);
    id = ou.parentId;
  }
  return names.join('/');
}

/** The OU whose path (`Workloads/Prod`, as parentPath writes it) this is, if any. */
export function findOrganizationalUnitByPath(
  org: OrganizationRecord,
  path: string,
): OrganizationalUnitRecord | undefined {
  for (const ou of org.organizationalUnits.values()) {
    if (parentPath(org, ou.id) === path) return ou;
  }
  return undefined;
}

export function addAccount(org: OrganizationRecord, account: AccountRecord): void {
  org.accounts.set(account.id, account);
  for (const key of account.rootKeys) {
    org.credentials.set(key.accessKeyId, {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      principal: { kind: 'root', accountId: account.id },
    });
  }
  for (const user of account.users) {
    for (const key of user.keys) registerUserKey(org, account.id, user.userName, key);
  }
}

export function registerUserKey(
  org: OrganizationRecord,
  accountId: string,
  userName: string,
  key: KeyRecord,
): void {
  org.credentials.set(key.accessKeyId, {
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    principal: { kind: 'user', accountId, userName },
  });
}

export function findUser(account: AccountRecord, userName: string): UserRecord | undefined {
  return account.users.find((u) => u.userName === userName);
}

export function userArn(accountId: string, userName: string): string {
  return `arn:aws:iam::${accountId}:user/${userName}`;
}

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** The ARN AWS reports for a principal (GetCallerIdentity, AccessDenied messages). */
export function principalArn(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return userArn(principal.accountId, principal.userName);
    case 'root':
      return `arn:aws:iam::${principal.accountId}:root`;
    case 'role':
      return `arn:aws:sts::${principal.accountId}:assumed-role/${principal.roleName}/${principal.sessionName}`;
  }
}
